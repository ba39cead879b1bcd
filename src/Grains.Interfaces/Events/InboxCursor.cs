using System.Text.Json;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// How far an agent's inbox has been delivered to one receiver (a gateway connection, a C# client), and the one rule
/// for what arrives next: inbox events in sequence order with no gap and no repeat, events without a seq as they
/// come. A live event that is next is delivered; one ahead of the next means some are still on their way (or lost),
/// so the inbox is read page by page up to where it stands; one behind was delivered already. The live push is the
/// fast path, the inbox the guarantee (docs/architecture.md, "Where each rule lives": replay and in-order delivery).
/// A key's memory:updated never goes back: one older than a version of that key already delivered was overtaken on
/// the way (Orleans does not keep the order of one-way calls whose target it had to look up) and is dropped, since
/// the newer one already says where the key stands.
/// </summary>
/// <remarks>
/// Delivery runs on one flow at a time. <see cref="DeliveredSeq"/> may be read, and <see cref="MovePast"/> called,
/// from any thread: the position only ever moves forward.
/// </remarks>
/// <param name="deliveredSeq">The inbox sequence delivery resumes after.</param>
/// <param name="readAfter">Reads a page of the inbox after the given sequence (the caller picks the page size and presents its credential).</param>
/// <param name="deliver">Hands over one event; the position moves past it once this returns.</param>
/// <param name="moved">Runs after each move of the position (the client acknowledges from there).</param>
public sealed class InboxCursor(
    long deliveredSeq,
    Func<long, Task<InboxPage>> readAfter,
    Func<AgentEvent, Task> deliver,
    Action? moved = null)
{
    /// <summary>Keys remembered for <see cref="IsSuperseded"/>; past this the memory starts again (a reorder then slips through, nothing is lost).</summary>
    private const int MaxRememberedKeys = 4096;

    private readonly Dictionary<string, long> _memoryVersions = new(StringComparer.Ordinal);
    private long _deliveredSeq = deliveredSeq;

    /// <summary>The highest inbox sequence delivered: its <c>deliver</c> returned, or <see cref="MovePast"/> said it was done.</summary>
    public long DeliveredSeq => Volatile.Read(ref _deliveredSeq);

    /// <summary>Counts the inbox up to <paramref name="seq"/> as delivered; a lower one changes nothing.</summary>
    public void MovePast(long seq)
    {
        var current = Volatile.Read(ref _deliveredSeq);
        while (seq > current)
        {
            var seen = Interlocked.CompareExchange(ref _deliveredSeq, seq, current);
            if (seen == current)
            {
                break;
            }
            current = seen;
        }
        moved?.Invoke();
    }

    /// <summary>A live event: delivered if it is next or has no seq, the inbox read if it is ahead, dropped if behind.</summary>
    public Task Offer(AgentEvent item)
    {
        if (item.Seq is not { } seq)
        {
            return IsSuperseded(item) ? Task.CompletedTask : deliver(item);
        }
        var delivered = DeliveredSeq;
        if (seq == delivered + 1)
        {
            return Deliver(item, seq);
        }
        // A live event overtook one still on its way (or lost): the inbox has them all, in order.
        return seq > delivered ? CatchUp() : Task.CompletedTask;
    }

    /// <summary>The inbox is known to hold events up to <paramref name="lastSeq"/>: reads those not delivered yet.</summary>
    public Task InboxReaches(long lastSeq) => lastSeq > DeliveredSeq ? CatchUp() : Task.CompletedTask;

    /// <summary>Delivers what the inbox holds after <see cref="DeliveredSeq"/>, a page at a time, up to its end.</summary>
    public async Task CatchUp()
    {
        InboxPage page;
        do
        {
            page = await readAfter(DeliveredSeq);
            foreach (var item in page.Events)
            {
                if (item.Seq is { } seq && seq > DeliveredSeq)
                {
                    await Deliver(item, seq);
                }
            }
        }
        while (page.HasMore && page.Events.Count > 0);
    }

    /// <summary>A memory:updated older than the newest version of its key delivered so far (a snapshot of that same version is not).</summary>
    private bool IsSuperseded(AgentEvent item)
    {
        if (item.Event != EventNames.MemoryUpdated || ReadStamp(item) is not { Key: { } key, Version: var version })
        {
            return false;
        }
        if (_memoryVersions.TryGetValue(key, out var newest) && version < newest)
        {
            return true;
        }
        if (_memoryVersions.Count >= MaxRememberedKeys && !_memoryVersions.ContainsKey(key))
        {
            _memoryVersions.Clear();
        }
        _memoryVersions[key] = version;
        return false;
    }

    private static MemoryStamp? ReadStamp(AgentEvent item)
    {
        try
        {
            return JsonSerializer.Deserialize<MemoryStamp>(item.Data.Text, Json.AgentChannelJson.Options);
        }
        catch (JsonException)
        {
            // Not ours to judge: the receiver's own reading reports it.
            return null;
        }
    }

    private async Task Deliver(AgentEvent item, long seq)
    {
        await deliver(item);
        MovePast(seq);
    }

    /// <summary>What is read of a memory:updated to keep each key's updates in version order.</summary>
    private sealed record MemoryStamp(string? Key, long Version);
}
