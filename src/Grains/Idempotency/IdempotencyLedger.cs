using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Idempotency;

/// <summary>
/// One keyed write remembered by the entity it changed: who sent it, its key, the hash of what it asked, and the answer
/// it got. Kept in that entity's grain state, so it is stored by the same write as the change it answers.
/// </summary>
[GenerateSerializer, Alias("idempotency-record")]
public sealed record IdempotencyRecord(
    [property: Id(0)] string Caller,
    [property: Id(1)] string Key,
    [property: Id(2)] string RequestHash,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] object? Answer);

/// <summary>A write that came with a key: the caller's (lower-cased) name, the key and the request's hash.</summary>
public sealed record KeyedWrite(string Caller, string Key, string RequestHash)
{
    /// <summary>
    /// The hash of a write as the owning grain received it: the operation and its arguments as canonical JSON (what the
    /// request means once parsed, so the same request over REST, WebSocket, MCP or the C# client hashes alike).
    /// </summary>
    public static string Hash(string operation, params object?[] arguments)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes<object?[]>([operation, .. arguments], AgentChannelJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(json));
    }

    public static KeyedWrite? Of(Caller caller, IdempotencyKey? key, string operation, params object?[] arguments) =>
        key is null ? null : new KeyedWrite(AgentNames.Key(caller.Name), key.Value, Hash(operation, arguments));
}

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
