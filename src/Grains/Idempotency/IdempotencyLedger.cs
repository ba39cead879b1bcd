using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Idempotency;

/// <summary>
/// The bounded list of keyed answers an entity keeps in its grain state (<see cref="IdempotencyOptions"/>): looked up
/// before a write, added to the state the write stores, pruned by age and count.
/// </summary>
public sealed class IdempotencyLedger(IOptions<IdempotencyOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The answer stored for this caller's key, when the same request was made before (true); false when the key is new
    /// (or null). A key used for another request is <see cref="ErrorKind.IdempotencyMismatch"/>.
    /// </summary>
    public bool TryReplay<T>(List<IdempotencyRecord> records, KeyedWrite? write, out T answer)
    {
        answer = default!;
        if (write is null)
        {
            return false;
        }
        var now = clock.GetUtcNow();
        var found = records.FindLast(record => record.Key == write.Key && record.Caller == write.Caller && record.ExpiresAt > now);
        if (found is null)
        {
            return false;
        }
        if (found.RequestHash != write.RequestHash)
        {
            throw AgentChannelException.IdempotencyMismatch(write.Key);
        }
        answer = (T)found.Answer!;
        return true;
    }

    /// <summary>Adds the answer to the records about to be stored with the change; drops expired and the oldest over the bound.</summary>
    public void Record(List<IdempotencyRecord> records, KeyedWrite? write, object? answer)
    {
        if (write is null)
        {
            return;
        }
        var now = clock.GetUtcNow();
        records.RemoveAll(record => record.ExpiresAt <= now || (record.Key == write.Key && record.Caller == write.Caller));
        records.Add(new IdempotencyRecord(write.Caller, write.Key, write.RequestHash, now + options.Value.Window, answer));
        var over = records.Count - options.Value.MaxKeysPerEntity;
        if (over > 0)
        {
            records.RemoveRange(0, over);
        }
    }
}
