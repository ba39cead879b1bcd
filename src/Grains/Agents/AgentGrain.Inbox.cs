using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
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
    /// <summary>Most items one append stores: it is one transaction, and a bound keeps one inbox from holding the writer for long.</summary>
    private const int MaxItemsPerAppend = 1000;

    /// <summary>Deliveries that came while an append was out, in the order they came: the next append stores them together.</summary>
    private readonly List<WaitingDelivery> _waitingDeliveries = [];

    private bool _appending;

    /// <remarks>
    /// Interleaves (<see cref="IAgentGrain.Deliver"/>): a call only joins the waiting deliveries, and one append at a time
    /// stores all that waited, so an agent many grains deliver to (an orchestrator told of every task it created) pays
    /// one inbox write per batch, not one per call, while the order of the calls is kept. Checked against the stored
    /// state, as the other interleaving calls are (<see cref="_stored"/>): a registration still being written takes nothing.
    /// </remarks>
    public Task Deliver(IReadOnlyList<InboxItem> items)
    {
        if (!_stored.Registered)
        {
            return Task.FromException(NotRegistered());
        }
        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waitingDeliveries.Add(new WaitingDelivery(items, stored, Activity.Current?.Context ?? default));
        if (!_appending)
        {
            _appending = true;
            _ = AppendWaiting();
        }
        return stored.Task;
    }

    private async Task AppendWaiting()
    {
        try
        {
            while (_waitingDeliveries.Count > 0)
            {
                await AppendTogether(TakeBatch());
            }
        }
        finally
        {
            _appending = false;
        }
    }

    /// <summary>The waiting deliveries in order, up to <see cref="MaxItemsPerAppend"/> items (at least one delivery, whatever its size).</summary>
    private List<WaitingDelivery> TakeBatch()
    {
        var count = 0;
        var items = 0;
        while (count < _waitingDeliveries.Count && (count == 0 || items + _waitingDeliveries[count].Items.Count <= MaxItemsPerAppend))
        {
            items += _waitingDeliveries[count].Items.Count;
            count++;
        }
        var batch = _waitingDeliveries.GetRange(0, count);
        _waitingDeliveries.RemoveRange(0, count);
        return batch;
    }

    /// <summary>One append for the whole batch; if it fails, each delivery on its own in order, so one that cannot be stored fails alone.</summary>
    private async Task AppendTogether(List<WaitingDelivery> batch)
    {
        if (batch.Count > 1)
        {
            try
            {
                await Append([.. batch.SelectMany(delivery => delivery.Items)], batch);
                batch.ForEach(delivery => delivery.Stored.TrySetResult());
                return;
            }
            catch (Exception exception)
            {
                // Nothing of a failed append is kept, so appending each again stores it once.
                LogDeliveriesAppendedAlone(exception, Key, batch.Count);
            }
        }
        foreach (var delivery in batch)
        {
            try
            {
                await Append(delivery.Items, [delivery]);
                delivery.Stored.TrySetResult();
            }
            catch (Exception exception)
            {
                delivery.Stored.TrySetException(exception);
            }
        }
    }

    /// <summary>
    /// Stores <paramref name="items"/> (of <paramref name="deliveries"/>) under the next sequence numbers, then pushes them.
    /// Its span is in the trace of the first delivery and linked from the others'.
    /// </summary>
    private async Task Append(IReadOnlyList<InboxItem> items, IReadOnlyList<WaitingDelivery> deliveries)
    {
        // Tagged from its start, so a sampler or a listener sees whose inbox it is.
        using var span = AgentChannelTracing.Grains.StartActivity("inbox deliver", ActivityKind.Internal, deliveries[0].Trace,
            tags: [new(AgentChannelTracing.AgentTag, Key), new(AgentChannelTracing.CountTag, items.Count), new(AgentChannelTracing.SiloTag, RuntimeIdentity)],
            links: deliveries.Count > 1 ? [.. deliveries.Skip(1).Where(delivery => delivery.Trace != default).Select(delivery => new ActivityLink(delivery.Trace))] : null);
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

    /// <summary>A call to <see cref="Deliver"/> waiting for its append, with the trace it came in.</summary>
    private sealed record WaitingDelivery(IReadOnlyList<InboxItem> Items, TaskCompletionSource Stored, ActivityContext Trace);

    [LoggerMessage(LogLevel.Information, "Inbox of {Agent}: {Count} deliveries appended together failed; appending each on its own")]
    private partial void LogDeliveriesAppendedAlone(Exception exception, string agent, int count);
}
