using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Client.Delivery;

/// <summary>
/// Delivers an agent's events the way the WebSocket gateway does: the inbox after the last acknowledged
/// sequence first, then live events in sequence order, filling any gap from the inbox and dropping what was
/// already processed (the stream is the fast path, the inbox the guarantee). Processed sequences are
/// acknowledged, gathered for a moment, so the next run starts after them.
/// </summary>
internal sealed partial class InboxDelivery(
    IAgentGrain grain,
    Caller caller,
    Func<string> token,
    EventDispatcher dispatcher,
    int pageSize,
    TimeSpan ackDelay,
    ILogger logger,
    CancellationToken closing)
{
    /// <summary>
    /// Live events waiting for dispatch (also before Start). Past this the stream's inbox events are dropped
    /// and fetched from the inbox instead, so a slow agent costs bounded memory and loses nothing durable.
    /// </summary>
    private const int LiveBufferCapacity = 4096;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Set on the dispatch flow, so closing from inside a handler does not wait for that handler.</summary>
    private static readonly AsyncLocal<InboxDelivery?> DispatchingFlow = new();

    private readonly Channel<Incoming> _incoming = Channel.CreateBounded<Incoming>(
        new BoundedChannelOptions(LiveBufferCapacity) { SingleReader = true });
    private readonly Channel<bool> _ackWanted = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _processedSeq;
    private long _ackedSeq;
    private long _overflowSeq;
    private long _dispatchingSeq;
    private int _overflowing;
    private int _started;
    private Task _pump = Task.CompletedTask;
    private Task _acks = Task.CompletedTask;

    /// <summary>The highest inbox sequence whose handlers and enumerations are done with it.</summary>
    public long ProcessedSeq => Volatile.Read(ref _processedSeq);

    /// <summary>The highest inbox sequence the cluster has recorded as acknowledged.</summary>
    public long AckedSeq => Volatile.Read(ref _ackedSeq);

    /// <summary>Where the agent's inbox stood at connect: delivery resumes after the acknowledged sequence.</summary>
    public void ResumeAfter(InboxPosition position)
    {
        Volatile.Write(ref _processedSeq, position.AckedSeq);
        Volatile.Write(ref _ackedSeq, position.AckedSeq);
    }

    /// <summary>A live event from a stream; never blocks the stream.</summary>
    public void Receive(AgentEvent item) => Enqueue(new Incoming(item, 0));

    /// <summary>The inbox is known to reach <paramref name="lastSeq"/>: deliver up to there even if its stream events never come.</summary>
    public void InboxReaches(long lastSeq)
    {
        if (lastSeq > ProcessedSeq)
        {
            Enqueue(new Incoming(null, lastSeq));
        }
    }

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _pump = Task.Run(Pump);
            _acks = Task.Run(AckLoop);
        }
    }

    /// <summary>
    /// After <c>closing</c> was cancelled: ends the enumerations, waits for the event being dispatched (unless
    /// called from its own handler, which then counts as done with it) and acknowledges what was processed.
    /// </summary>
    public async Task StopAsync()
    {
        var fromHandler = DispatchingFlow.Value == this;
        if (fromHandler && Volatile.Read(ref _dispatchingSeq) is > 0 and var current)
        {
            MarkProcessed(current);
        }
        dispatcher.CompleteAll();
        await Task.WhenAll(fromHandler ? Task.CompletedTask : _pump, _acks);
        await FlushAckAsync();
    }

    /// <summary>Called by the ack loop, and once by <see cref="StopAsync"/> after that loop ended: never concurrently.</summary>
    private async Task FlushAckAsync()
    {
        var seq = ProcessedSeq;
        try
        {
            if (seq > AckedSeq)
            {
                using var presented = ClusterCredential.Present(token());
                var position = await grain.Ack(caller, seq);
                InterlockedMax(ref _ackedSeq, position.AckedSeq);
            }
        }
        catch (Exception exception)
        {
            // The next acknowledgement covers this one; unacknowledged events only come again, never go missing.
            LogAckFailed(exception, seq);
        }
    }

    private void Enqueue(Incoming incoming)
    {
        if (_incoming.Writer.TryWrite(incoming))
        {
            return;
        }
        if (incoming.Live is { Seq: null } liveOnly)
        {
            LogLiveEventDropped(liveOnly.Event, LiveBufferCapacity);
            return;
        }
        InterlockedMax(ref _overflowSeq, incoming.Live?.Seq ?? incoming.KnownLastSeq);
        if (Interlocked.Exchange(ref _overflowing, 1) == 0)
        {
            LogFallingBehind(LiveBufferCapacity);
        }
    }

    /// <summary>Delivers until the client closes; when the cluster cannot be reached it retries from what was processed.</summary>
    private async Task Pump()
    {
        DispatchingFlow.Value = this;
        while (!closing.IsCancellationRequested)
        {
            try
            {
                await DeliverAll();
                return;
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogDeliveryFailed(exception, ProcessedSeq, RetryDelay);
                try
                {
                    await Task.Delay(RetryDelay, closing);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task DeliverAll()
    {
        await DispatchInboxAfterProcessed();
        var reader = _incoming.Reader;
        while (await reader.WaitToReadAsync(closing))
        {
            while (reader.TryRead(out var incoming))
            {
                if (incoming.Live is { Seq: null } liveOnly)
                {
                    await Dispatch(liveOnly);
                }
                else if (incoming.Live is { Seq: { } seq } live)
                {
                    if (seq == ProcessedSeq + 1)
                    {
                        await Dispatch(live);
                    }
                    else if (seq > ProcessedSeq)
                    {
                        // A live event overtook one still on its way (or lost): the inbox has them all, in order.
                        await DispatchInboxAfterProcessed();
                    }
                }
                else if (incoming.KnownLastSeq > ProcessedSeq)
                {
                    await DispatchInboxAfterProcessed();
                }
            }
            if (Volatile.Read(ref _overflowSeq) > ProcessedSeq)
            {
                await DispatchInboxAfterProcessed();
                Volatile.Write(ref _overflowing, 0);
            }
        }
    }

    private async Task DispatchInboxAfterProcessed()
    {
        using var presented = ClusterCredential.Present(token());
        InboxPage page;
        do
        {
            page = await grain.ReadInbox(ProcessedSeq, pageSize);
            foreach (var item in page.Events)
            {
                if (item.Seq > ProcessedSeq)
                {
                    await Dispatch(item);
                }
            }
        }
        while (page.HasMore && page.Events.Count > 0);
    }

    private async Task Dispatch(AgentEvent live)
    {
        closing.ThrowIfCancellationRequested();
        AgentChannelEvent item;
        try
        {
            item = AgentChannelEvent.From(live);
        }
        catch (JsonException exception)
        {
            // Nothing can read it now, nor later: skipping it is the only way past it.
            LogUnreadableEvent(exception, live.Event, live.Seq);
            MarkProcessed(live.Seq);
            return;
        }
        Volatile.Write(ref _dispatchingSeq, live.Seq ?? 0);
        try
        {
            await dispatcher.Dispatch(item, closing);
        }
        finally
        {
            Volatile.Write(ref _dispatchingSeq, 0);
        }
        MarkProcessed(live.Seq);
    }

    private void MarkProcessed(long? seq)
    {
        if (seq is { } processed)
        {
            InterlockedMax(ref _processedSeq, processed);
            _ackWanted.Writer.TryWrite(true);
        }
    }

    private async Task AckLoop()
    {
        try
        {
            while (await _ackWanted.Reader.WaitToReadAsync(closing))
            {
                _ackWanted.Reader.TryRead(out _);
                if (ackDelay > TimeSpan.Zero)
                {
                    await Task.Delay(ackDelay, closing);
                }
                await FlushAckAsync();
            }
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    /// <summary>A live event, or (with no event) word that the inbox reaches <see cref="KnownLastSeq"/>.</summary>
    private readonly record struct Incoming(AgentEvent? Live, long KnownLastSeq);

    [LoggerMessage(LogLevel.Warning, "Acknowledging inbox seq {Seq} failed; the next acknowledgement covers it")]
    private partial void LogAckFailed(Exception exception, long seq);

    [LoggerMessage(LogLevel.Warning, "More than {Capacity} live events are waiting; the rest are read from the inbox when dispatch catches up")]
    private partial void LogFallingBehind(int capacity);

    [LoggerMessage(LogLevel.Warning, "A live {Event} was dropped: {Capacity} events are waiting for dispatch")]
    private partial void LogLiveEventDropped(string @event, int capacity);

    [LoggerMessage(LogLevel.Warning, "Delivering events failed after seq {Seq}; retrying from the inbox in {Delay}")]
    private partial void LogDeliveryFailed(Exception exception, long seq, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "A {Event} event (seq {Seq}) could not be read and is skipped")]
    private partial void LogUnreadableEvent(Exception exception, string @event, long? seq);
}
