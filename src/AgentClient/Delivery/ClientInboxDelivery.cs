using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Client.Delivery;

/// <summary>
/// Delivers an agent's events the way the WebSocket gateway does, by the same <see cref="InboxCursor"/>: the inbox
/// after the last acknowledged sequence first, then live events in sequence order, filling any gap from the inbox
/// and dropping what was already processed (the stream is the fast path, the inbox the guarantee). The cursor moves
/// past an event once its handlers are done with it, so its position is the processed sequence. Processed sequences
/// are acknowledged, gathered for a moment, so the next run starts after them.
/// </summary>
internal sealed partial class ClientInboxDelivery
{
    /// <summary>
    /// Live events waiting for dispatch (also before Start). Past this the stream's inbox events are dropped
    /// and fetched from the inbox instead, so a slow agent costs bounded memory and loses nothing durable.
    /// </summary>
    private const int LiveBufferCapacity = 4096;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Set on the dispatch flow, so closing from inside a handler does not wait for that handler.</summary>
    private static readonly AsyncLocal<ClientInboxDelivery?> DispatchingFlow = new();

    private readonly IAgentGrain _grain;
    private readonly Caller _caller;
    private readonly Func<string> _token;
    private readonly EventDispatcher _dispatcher;
    private readonly TimeSpan _ackDelay;
    private readonly ILogger _logger;
    private readonly CancellationToken _closing;
    private readonly InboxCursor _cursor;

    private readonly Channel<Incoming> _incoming = Channel.CreateBounded<Incoming>(
        new BoundedChannelOptions(LiveBufferCapacity) { SingleReader = true });
    private readonly Channel<bool> _ackWanted = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _ackedSeq;
    private long _overflowSeq;
    private long _dispatchingSeq;
    private int _overflowing;
    private int _started;
    private Task _pump = Task.CompletedTask;
    private Task _acks = Task.CompletedTask;

    public ClientInboxDelivery(IAgentGrain grain, Caller caller, Func<string> token, EventDispatcher dispatcher, int pageSize,
        TimeSpan ackDelay, ILogger logger, CancellationToken closing)
    {
        _grain = grain;
        _caller = caller;
        _token = token;
        _dispatcher = dispatcher;
        _ackDelay = ackDelay;
        _logger = logger;
        _closing = closing;
        _cursor = new InboxCursor(0, afterSeq => ReadInbox(afterSeq, pageSize), Dispatch, () => _ackWanted.Writer.TryWrite(true));
    }

    /// <summary>The highest inbox sequence whose handlers and enumerations are done with it.</summary>
    public long ProcessedSeq => _cursor.DeliveredSeq;

    /// <summary>The highest inbox sequence the cluster has recorded as acknowledged.</summary>
    public long AckedSeq => Volatile.Read(ref _ackedSeq);

    /// <summary>Where the agent's inbox stood at connect: delivery resumes after the acknowledged sequence.</summary>
    public void ResumeAfter(InboxPosition position)
    {
        _cursor.MovePast(position.AckedSeq);
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
            _cursor.MovePast(current);
        }
        _dispatcher.CompleteAll();
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
                using var presented = ClusterCredential.Present(_token());
                var position = await _grain.Ack(_caller, seq);
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
        while (!_closing.IsCancellationRequested)
        {
            try
            {
                await DeliverAll();
                return;
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogDeliveryFailed(exception, ProcessedSeq, RetryDelay);
                try
                {
                    await Task.Delay(RetryDelay, _closing);
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
        await _cursor.CatchUp();
        var reader = _incoming.Reader;
        while (await reader.WaitToReadAsync(_closing))
        {
            while (reader.TryRead(out var incoming))
            {
                await (incoming.Live is { } live ? _cursor.Offer(live) : _cursor.InboxReaches(incoming.KnownLastSeq));
            }
            if (Volatile.Read(ref _overflowSeq) > ProcessedSeq)
            {
                await _cursor.CatchUp();
                Volatile.Write(ref _overflowing, 0);
            }
        }
    }

    private async Task<InboxPage> ReadInbox(long afterSeq, int pageSize)
    {
        using var presented = ClusterCredential.Present(_token());
        return await _grain.ReadInbox(afterSeq, pageSize);
    }

    private async Task Dispatch(AgentEvent live)
    {
        _closing.ThrowIfCancellationRequested();
        AgentChannelEvent item;
        try
        {
            item = AgentChannelEvent.From(live);
        }
        catch (JsonException exception)
        {
            // Nothing can read it now, nor later: skipping it is the only way past it.
            LogUnreadableEvent(exception, live.Event, live.Seq);
            return;
        }
        Volatile.Write(ref _dispatchingSeq, live.Seq ?? 0);
        try
        {
            await _dispatcher.Dispatch(item, _closing);
        }
        finally
        {
            Volatile.Write(ref _dispatchingSeq, 0);
        }
    }

    private async Task AckLoop()
    {
        try
        {
            while (await _ackWanted.Reader.WaitToReadAsync(_closing))
            {
                _ackWanted.Reader.TryRead(out _);
                if (_ackDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_ackDelay, _closing);
                }
                await FlushAckAsync();
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
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
