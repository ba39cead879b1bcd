using System.Runtime.ExceptionServices;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// The agent's durable inbox: numbering and storing deliveries in order, pushing them to the live connections,
/// reading and acknowledging.
/// </summary>
public sealed partial class AgentGrain
{
    public async Task Deliver(IReadOnlyList<InboxItem> items)
    {
        RequireRegistered();
        if (items.Count == 0)
        {
            return;
        }
        using var span = AgentChannelTracing.Grains.StartActivity("inbox deliver");
        span?.SetTag(AgentChannelTracing.AgentTag, Key).SetTag(AgentChannelTracing.CountTag, items.Count)
            .SetTag(AgentChannelTracing.SiloTag, RuntimeIdentity);
        var numbered = Numbered(items);
        try
        {
            await inbox.Append(Key, numbered);
        }
        catch (Exception refused) when (items.Any(item => item.DeliveryKey is not null || item.MessageLogSequence is not null))
        {
            // Possibly a repeated delivery (a task's notice retried after a failure or a restart, a message's
            // redelivery crossing an earlier attempt): the inbox holds each once, so only what it lacks goes in. Looked
            // up only now, when the append was refused, so a first delivery costs no read.
            var missing = await NotStoredYet(items);
            if (missing.Count == items.Count)
            {
                ExceptionDispatchInfo.Throw(refused); // nothing was there already: the append failed for its own reason
            }
            if (missing.Count == 0)
            {
                return;
            }
            items = missing;
            numbered = Numbered(items);
            await inbox.Append(Key, numbered);
        }
        _inboxSeq += numbered.Count;

        // The inbox above is the guarantee; the push only makes delivery immediate. It is one-way (a slow or
        // gone receiver never holds up the sender); receivers drop what they already sent and fetch any gap
        // from the inbox. A grain observer, not a stream: one call instead of a queue, a poll and a pub-sub hop
        // (docs/measurements.md: 10-100x less push latency; bench/README.md has what it did end to end).
        var traceParent = span?.Id;
        span?.SetTag(AgentChannelTracing.SeqTag, _inboxSeq).SetTag(AgentChannelTracing.ConnectionsTag, _connections.Count);
        if (_connections.Count == 0)
        {
            return;
        }
        var stored = numbered.Select(entry => new AgentEvent(entry.Item.Event, entry.Seq, entry.Item.Data, TraceParent: traceParent)).ToList();
        foreach (var connection in _connections.Values)
        {
            _ = connection.Observer.Stored(stored);
        }
    }

    /// <summary>The items this inbox does not hold yet: keyed ones not stored under their key, messages still owed to it.</summary>
    private async Task<IReadOnlyList<InboxItem>> NotStoredYet(IReadOnlyList<InboxItem> items)
    {
        var keys = items.Select(item => item.DeliveryKey).OfType<string>().ToList();
        var delivered = keys.Count == 0 ? new HashSet<string>() : await inbox.Delivered(Key, keys);
        var messages = items.Select(item => item.MessageLogSequence).OfType<long>().ToList();
        var owed = messages.Count == 0 ? new HashSet<long>() : await inbox.StillOwed(Key, messages);
        return [.. items.Where(item =>
            (item.DeliveryKey is null || !delivered.Contains(item.DeliveryKey)) &&
            (item.MessageLogSequence is not { } messageSeq || owed.Contains(messageSeq)))];
    }

    private List<(long Seq, InboxItem Item)> Numbered(IReadOnlyList<InboxItem> items) =>
        items.Select((item, index) => (Seq: _inboxSeq + index + 1, Item: item)).ToList();

    public Task<InboxPage> ReadInbox(long afterSeq, int limit)
    {
        RequireRegistered();
        return inbox.Read(Key, Math.Max(0, afterSeq), Math.Clamp(limit, 1, MaxInboxPage));
    }

    public async Task<InboxPosition> Ack(Caller caller, long seq)
    {
        RequireRegistered();
        if (!caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself acknowledges its inbox.");
        }
        if (seq < 0 || seq > _inboxSeq)
        {
            throw AgentChannelException.Invalid("seq", $"'seq' must be between 0 and the inbox's last sequence ({_inboxSeq}).");
        }
        if (seq > Agent.AckedSeq)
        {
            Agent.AckedSeq = seq;
            await SaveAsync();
        }
        return Position();
    }

    public Task<InboxPosition> GetInboxPosition()
    {
        RequireRegistered();
        // Interleaves with an acknowledgement's write: the acknowledged seq as stored (see _stored).
        return Task.FromResult(new InboxPosition(_inboxSeq, _stored.AckedSeq));
    }

    private InboxPosition Position() => new(_inboxSeq, Agent.AckedSeq);
}
