using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// One WebSocket: requests in, acks and pushes out. After agent:register it registers with the agent's grain
/// as the agent's inbox observer, replays the inbox after the client's last sequence, then forwards live events
/// in sequence order, filling any gap from the inbox (the push is the fast path, the inbox the guarantee).
/// Everything bound for the client waits in a bounded queue; a client that lets it overflow is
/// disconnected and resumes from its last ack.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "RunAsync owns the token sources and disposes them when the connection ends; a connection runs once.")]
public sealed partial class AgentConnection : IInboxObserver
{
    private const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>Most frames handled together (see <see cref="Grouping"/>).</summary>
    private const int MaxRun = 32;

    private readonly WebSocket _socket;
    private readonly IClusterClient _cluster;
    private readonly RealtimeGateway _gateway;
    private readonly RealtimeOptions _options;
    private readonly TimeSpan _renewEvery;
    private readonly string? _headerToken;
    private readonly ILogger _logger;
    // _closing stops our own loops (pump, renewal, queue reads); _abort also tears down socket I/O.
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Channel<AgentEvent> _events;
    private readonly Channel<OutgoingFrame> _frames = Channel.CreateBounded<OutgoingFrame>(new BoundedChannelOptions(256) { SingleReader = true });
    // Frames read but not yet handled: the socket is read ahead of the handling, so sends that queue up behind
    // one another can go to the grains together; full, it stops the reading (the client's socket backs up).
    private readonly Channel<ReceivedFrame> _requests = Channel.CreateBounded<ReceivedFrame>(
        new BoundedChannelOptions(MaxRun * 2) { SingleReader = true, SingleWriter = true });
    private Task _handling = Task.CompletedTask;
    // What this connection asks its agent's grain for besides the inbox; changed and sent to the grain only
    // under _interestGate, so a renewal never sends an older interest after a newer one.
    private readonly SemaphoreSlim _interestGate = new(1, 1);
    private LiveInterest _interest = LiveInterest.InboxOnly;
    private IInboxObserver? _observer;
    private Task _pump = Task.CompletedTask;
    private Task _renewal = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private Task _closingHandshake = Task.CompletedTask;
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "closing";
    // A last frame sent just before the close frame (session:revoked), after everything queued before it.
    private byte[]? _farewell;
    // The token this connection acts with: checked again at every renewal, replaced when the agent rotates it here.
    private string? _token;

    public AgentConnection(WebSocket socket, IClusterClient cluster, RealtimeGateway gateway, RealtimeOptions options,
        TimeSpan offlineAfter, string? headerToken, ILogger logger)
    {
        _socket = socket;
        _cluster = cluster;
        _gateway = gateway;
        _options = options;
        _renewEvery = offlineAfter / 3;
        _headerToken = headerToken;
        _logger = logger;
        _events = Channel.CreateBounded<AgentEvent>(new BoundedChannelOptions(options.SendQueueCapacity) { SingleReader = true });
    }

    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The agent this connection speaks for, once agent:register succeeded.</summary>
    public string? AgentName { get; private set; }

    public string? AgentKey => AgentName is null ? null : AgentNames.Key(AgentName);

    public async Task RunAsync()
    {
        _sending = SendLoop();
        _handling = HandleLoop();
        var registerDeadline = CloseUnlessRegistered();
        try
        {
            await ReceiveLoop();
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            LogConnectionEnded(Id, exception.Message);
        }
        finally
        {
            _receiveEnded.TrySetResult();
            Close(WebSocketCloseStatus.NormalClosure, "closing");
            _requests.Writer.TryComplete();
            await _handling;
            await ReleaseAsync();
            await Task.WhenAll(_sending, _closingHandshake, registerDeadline);
            _socket.Abort();
            _closing.Dispose();
            _abort.Dispose();
        }
    }

    /// <summary>The agent's grain pushing what it stored: never blocks the grain; a full queue disconnects this client only.</summary>
    public Task Stored(IReadOnlyList<AgentEvent> items)
    {
        _gateway.CountEvents(items.Count);
        foreach (var item in items)
        {
            Push(item);
        }
        return Task.CompletedTask;
    }

    /// <summary>The agent's grain passing on live events this connection asked for (presence, watched memory).</summary>
    public Task Live(IReadOnlyList<AgentEvent> items)
    {
        _gateway.CountEvents(items.Count);
        foreach (var item in items)
        {
            Push(item);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The agent's grain saying the token this connection was opened with stopped (rotated elsewhere, revoked, the agent
    /// retired): the client gets a <c>session:revoked</c> frame and the socket closes with 1008 and the reason.
    /// </summary>
    public Task Revoked(string code, string reason)
    {
        var notice = new ServerFrame(EventNames.SessionRevoked, null, null,
            RawJson.Serialize(new SessionRevokedNotice(code, reason), AgentChannelJson.Options));
        Close(WebSocketCloseStatus.PolicyViolation, $"{code}: {reason}", farewell: notice.ToUtf8());
        return Task.CompletedTask;
    }

    /// <summary>agent:rotate_token: a new token for the agent; every other connection of the agent is closed, this one stays.</summary>
    public async Task<AgentRegistered> RotateToken(IAgentGrain grain, Caller caller)
    {
        // Under the gate the renewal checks the token with, so it never checks the old one after the grain replaced it.
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            var rotated = await grain.RotateToken(caller, Id);
            _token = rotated.Token;
            return rotated;
        }
        finally
        {
            _interestGate.Release();
        }
    }

    public void Push(AgentEvent item)
    {
        if (!_events.Writer.TryWrite(item) && !_closing.IsCancellationRequested)
        {
            LogOverflow(Id, AgentName, _options.SendQueueCapacity);
            // Its socket is likely full too, so no close frame could get through: drop it at once.
            Close(TryAgainLater, "send queue overflow: reconnect and resume from your last acked seq", abort: true);
        }
    }

    /// <summary>The server is stopping: say so (1001) instead of letting the socket be cut.</summary>
    public Task GoingAway()
    {
        Close(WebSocketCloseStatus.EndpointUnavailable, "server shutting down: reconnect and resume from your last acked seq");
        return _receiveEnded.Task;
    }

    /// <summary>
    /// memory:watch / memory:unwatch: which keys and prefixes this connection wants memory:updated for. In force
    /// once the agent's grain has it (it puts it in the watch index the memory grains consult); with
    /// <paramref name="snapshot"/>, what the watch covers now follows as memory:updated marked snapshot.
    /// </summary>
    public async Task<Watching> Watch(string? key, string? prefix, bool watch, bool snapshot)
    {
        if (string.IsNullOrEmpty(key) == string.IsNullOrEmpty(prefix))
        {
            throw AgentChannelException.Invalid("key", "Give exactly one of 'key' or 'prefix'.");
        }
        var change = new MemoryWatch(key ?? prefix!, IsPrefix: key is null);
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            var keys = _interest.MemoryKeys.ToHashSet(StringComparer.Ordinal);
            var prefixes = _interest.MemoryPrefixes.ToHashSet(StringComparer.Ordinal);
            var set = change.IsPrefix ? prefixes : keys;
            _ = watch ? set.Add(change.Pattern) : set.Remove(change.Pattern);
            var interest = _interest with { MemoryKeys = [.. keys.Order(StringComparer.Ordinal)], MemoryPrefixes = [.. prefixes.Order(StringComparer.Ordinal)] };
            await _cluster.GetGrain<IAgentGrain>(AgentKey!).Connected(Id, _observer!, interest);
            _interest = interest;
        }
        finally
        {
            _interestGate.Release();
        }
        if (watch && snapshot)
        {
            await PushSnapshots([change]);
        }
        return new Watching(_interest.MemoryKeys, _interest.MemoryPrefixes);
    }

    /// <summary>Renews the connection with the agent's grain, with what it watches now.</summary>
    private async Task<AgentConnected> Renew(IAgentGrain grain, IInboxObserver observer)
    {
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            return await grain.Connected(Id, observer, _interest);
        }
        finally
        {
            _interestGate.Release();
        }
    }

    /// <summary>
    /// The periodic renewal: first the token is checked again, so a connection whose token stopped is closed even if
    /// the grain's <see cref="Revoked"/> never reached it (another gateway, a lost one-way call).
    /// </summary>
    private async Task<AgentConnected> RenewChecked(IAgentGrain grain, IInboxObserver observer)
    {
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            if (await grain.Authenticate(_token!) is null)
            {
                await Revoked(SessionEndings.Revoked, "the token is no longer valid");
                throw new OperationCanceledException();
            }
            return await grain.Connected(Id, observer, _interest);
        }
        finally
        {
            _interestGate.Release();
        }
    }

    /// <summary>The grain had lost this connection (its silo died): what the watches cover now, since live events may be lost.</summary>
    private Task PushSnapshots() => PushSnapshots(_interest.MemoryWatches);

    private async Task PushSnapshots(IEnumerable<MemoryWatch> watches)
    {
        await foreach (var snapshot in MemorySnapshots.Read(_cluster, Caller.Agent(AgentName!), watches))
        {
            Push(snapshot);
        }
    }

    /// <summary>
    /// Reads frames until the client closes. After the server starts closing it keeps reading and discards
    /// what arrives, so the socket is never torn down with unread data (which would reset the connection
    /// and lose the close frame and its reason).
    /// </summary>
    private async Task ReceiveLoop()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            buffer.Clear();
            ValueWebSocketReceiveResult received;
            var tooBig = false;
            do
            {
                received = await _socket.ReceiveAsync(buffer.GetMemory(4096), _abort.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // What the client sent before its close frame is still answered.
                    _requests.Writer.TryComplete();
                    await _handling;
                    Close(WebSocketCloseStatus.NormalClosure, "bye");
                    return;
                }
                buffer.Advance(received.Count);
                if (buffer.WrittenCount > _options.MaxFrameBytes || _closing.IsCancellationRequested)
                {
                    tooBig |= !_closing.IsCancellationRequested;
                    buffer.Clear();
                }
            }
            while (!received.EndOfMessage);

            if (tooBig)
            {
                Close(WebSocketCloseStatus.MessageTooBig, $"frame larger than {_options.MaxFrameBytes} bytes");
            }
            if (_closing.IsCancellationRequested)
            {
                continue;
            }
            var frame = received.MessageType == WebSocketMessageType.Binary
                ? new ReceivedFrame(null, new WireError(ErrorKind.Invalid.ToWire(), "Frames are JSON text, not binary."))
                : Parse(buffer.WrittenSpan);
            try
            {
                await _requests.Writer.WriteAsync(frame, _closing.Token);
            }
            catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
            {
                // The server started closing while the queue was full: keep reading, and discarding, until the client closes.
            }
        }
    }

    /// <summary>A frame as read: the request, or what to answer instead when it is not one.</summary>
    private readonly record struct ReceivedFrame(ClientFrame? Frame, WireError? Refusal)
    {
        public Grouping Grouping => Refusal is not null ? Grouping.Alone : Frame!.Event switch
        {
            ClientEvents.MessageSend => Grouping.StoredTogether,
            ClientEvents.TaskCreate => Grouping.Concurrently,
            _ => Grouping.Alone,
        };
    }

    /// <summary>How a request may go with requests of its kind queued right behind it.</summary>
    private enum Grouping
    {
        /// <summary>Waits for the request before it.</summary>
        Alone,

        /// <summary>message:send: stored in one write, in their order (a recipient receives them in that order).</summary>
        StoredTogether,

        /// <summary>
        /// task:create: each creates a task of its own and none can name another (their ids come in the acks), so
        /// they run at once; a single creator is not held to one storage round trip per task.
        /// </summary>
        Concurrently,
    }

    private static ReceivedFrame Parse(ReadOnlySpan<byte> json)
    {
        ClientFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize<ClientFrame>(json, AgentChannelJson.Options);
        }
        catch (JsonException)
        {
            return new ReceivedFrame(null, new WireError(ErrorKind.Invalid.ToWire(), "A frame is a JSON object: {\"event\", \"id\", \"data\"}."));
        }
        return frame?.Event is { Length: > 0 }
            ? new ReceivedFrame(frame, null)
            : new ReceivedFrame(frame, new WireError(ErrorKind.Invalid.ToWire(), "'event' is required.", "event"));
    }

    /// <summary>
    /// Handles the frames in the order they came, one at a time, except that a run of message:send or of
    /// task:create frames waiting behind each other goes together (<see cref="Grouping"/>); every request is
    /// answered on its own, in the order the requests came.
    /// </summary>
    private async Task HandleLoop()
    {
        try
        {
            ReceivedFrame? next = null;
            while (next is not null || await _requests.Reader.WaitToReadAsync(_closing.Token))
            {
                if (next is not { } frame && !_requests.Reader.TryRead(out frame))
                {
                    continue;
                }
                next = null;
                if (frame.Refusal is { } refusal)
                {
                    await Reply(ServerFrame.Error, frame.Frame?.Id, refusal);
                    continue;
                }
                var grouping = AgentName is null ? Grouping.Alone : frame.Grouping;
                if (grouping == Grouping.Alone)
                {
                    await HandleFrame(frame.Frame!);
                    continue;
                }
                var run = new List<ClientFrame> { frame.Frame! };
                while (run.Count < MaxRun && _requests.Reader.TryRead(out var waiting))
                {
                    if (waiting.Grouping == grouping)
                    {
                        run.Add(waiting.Frame!);
                    }
                    else
                    {
                        next = waiting;
                        break;
                    }
                }
                await (run.Count == 1 ? HandleFrame(run[0])
                    : grouping == Grouping.StoredTogether ? HandleSends(run)
                    : HandleConcurrently(run));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            LogHandlingFailed(exception, Id);
            Close(WebSocketCloseStatus.InternalServerError, "request handling failed: reconnect and resume from your last acked seq");
        }
    }

    private async Task HandleConcurrently(List<ClientFrame> frames)
    {
        var answers = await Task.WhenAll(frames.Select(AnswerInSpan));
        for (var index = 0; index < frames.Count; index++)
        {
            await Reply(answers[index].Event, frames[index].Id, answers[index].Data);
        }
    }

    private async Task<(string Event, object Data)> AnswerInSpan(ClientFrame frame)
    {
        using var span = StartFrameSpan(frame);
        var answer = await Answer(frame);
        EndFrameSpan(span, answer.Event, answer.Data);
        return answer;
    }

    /// <summary>
    /// The frame's span (<see cref="AgentChannelTracing.WebSocket"/>): a child of the client's <c>traceparent</c> when
    /// it sent one, else the root of a trace of its own.
    /// </summary>
    private Activity? StartFrameSpan(ClientFrame frame)
    {
        var span = AgentChannelTracing.StartRequest(AgentChannelTracing.WebSocket, $"ws {frame.Event}", frame.Traceparent);
        span?.SetTag(AgentChannelTracing.EventTag, frame.Event).SetTag(AgentChannelTracing.AgentTag, AgentName);
        return span;
    }

    /// <summary>Names what the request made (so the console finds its trace) or marks the span failed.</summary>
    private static void EndFrameSpan(Activity? span, string eventName, object data)
    {
        switch (span is null ? null : data)
        {
            case MessageInfo message:
                span!.SetTag(AgentChannelTracing.MessageIdTag, message.Id.ToString());
                break;
            case Tasks.TaskInfo task:
                span!.SetTag(AgentChannelTracing.TaskIdTag, task.Id.ToString());
                break;
        }
        if (eventName == ServerFrame.Error)
        {
            span?.SetStatus(ActivityStatusCode.Error, (data as WireError)?.Code);
        }
    }

    /// <summary>
    /// A run of sends: one grain call for all, traced under the first frame's span; the other frames' spans link to it
    /// (a span has one parent).
    /// </summary>
    private async Task HandleSends(List<ClientFrame> frames)
    {
        var spans = frames.Select(StartFrameSpan).ToArray();
        if (spans[0] is { } first)
        {
            foreach (var other in spans.Skip(1))
            {
                other?.AddLink(new ActivityLink(first.Context));
            }
            Activity.Current = first;
        }
        try
        {
            await HandleSendsTraced(frames, spans);
        }
        finally
        {
            foreach (var span in spans.Reverse())
            {
                span?.Dispose();
            }
        }
    }

    private async Task HandleSendsTraced(List<ClientFrame> frames, Activity?[] spans)
    {
        var replies = new (string Event, object Data)?[frames.Count];
        var drafts = new List<(int Index, MessageDraft Draft, Idempotency.IdempotencyKey? Key)>(frames.Count);
        for (var index = 0; index < frames.Count; index++)
        {
            try
            {
                var data = frames[index].Data ?? default;
                drafts.Add((index, RealtimeRequests.Body<MessageDraft>(data), RealtimeRequests.KeyOf(data)));
            }
            catch (AgentChannelException error)
            {
                replies[index] = (ServerFrame.Error, WireError.From(error));
            }
        }
        try
        {
            var outcomes = drafts.Count == 0 ? [] : await _cluster.GetGrain<IMessagesGrain>(0)
                .SendMany(Caller.Agent(AgentName!), drafts.Select(draft => draft.Draft).ToList(),
                    drafts.Any(draft => draft.Key is not null) ? drafts.Select(draft => draft.Key).ToList() : null);
            for (var i = 0; i < drafts.Count; i++)
            {
                // Each frame its own answer: stored is an ack (delivery follows even if it failed at first), a
                // refusal its error, a draft the server failed to store `internal` (nothing stored, may be sent again).
                replies[drafts[i].Index] = outcomes[i] switch
                {
                    { Message: { } stored } => (ServerFrame.Ack, stored),
                    { Error: { } refused } => (ServerFrame.Error, WireError.From(refused)),
                    _ => (ServerFrame.Error, WireError.Internal),
                };
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            var refusal = Refusal(error, ClientEvents.MessageSend);
            foreach (var (index, _, _) in drafts)
            {
                replies[index] = (ServerFrame.Error, refusal);
            }
        }
        for (var index = 0; index < frames.Count; index++)
        {
            EndFrameSpan(spans[index], replies[index]!.Value.Event, replies[index]!.Value.Data);
            await Reply(replies[index]!.Value.Event, frames[index].Id, replies[index]!.Value.Data);
        }
    }

    /// <summary>
    /// What a client is told about a request that failed: what it got wrong, or (logged as the server's failure)
    /// that something unexpected happened.
    /// </summary>
    private WireError Refusal(Exception error, string eventName)
    {
        if (TransientFaults.DomainErrorOf(error) is { } refused)
        {
            return WireError.From(refused);
        }
        LogRequestFailed(error, eventName, Id);
        return WireError.Internal;
    }

    private async Task HandleFrame(ClientFrame frame)
    {
        using var span = StartFrameSpan(frame);
        if (frame.Event == ClientEvents.Register)
        {
            await HandleRegister(frame);
            return;
        }
        var (eventName, data) = await Answer(frame);
        EndFrameSpan(span, eventName, data);
        await Reply(eventName, frame.Id, data);
    }

    private async Task HandleRegister(ClientFrame frame)
    {
        try
        {
            var (ack, startStreaming) = await Register(RealtimeRequests.Body<RegisterRequest>(frame.Data ?? default));
            await Reply(ServerFrame.Ack, frame.Id, ack);
            startStreaming();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            await Reply(ServerFrame.Error, frame.Id, Refusal(error, frame.Event!));
        }
    }

    /// <summary>The reply to a request of a registered agent (or the refusal to an unregistered one): ack or error.</summary>
    private async Task<(string Event, object Data)> Answer(ClientFrame frame)
    {
        var eventName = frame.Event!;
        try
        {
            if (AgentName is null)
            {
                throw new AgentChannelException(ErrorKind.Unauthorized, $"Send {ClientEvents.Register} first.");
            }
            return (ServerFrame.Ack, await RealtimeRequests.Handle(eventName, frame.Data ?? default, Caller.Agent(AgentName), _cluster, this));
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return (ServerFrame.Error, Refusal(error, eventName));
        }
    }

    private async Task<(RegisterAck Ack, Action StartStreaming)> Register(RegisterRequest request)
    {
        if (AgentName is not null)
        {
            throw AgentChannelException.Conflict($"This connection is already registered as '{AgentName}'.");
        }
        if (request.LastSeq < 0)
        {
            throw AgentChannelException.Invalid("last_seq", "'last_seq' cannot be negative.");
        }
        var token = request.Token ?? _headerToken;
        AgentInfo agent;
        string? newToken = null;
        if (token is not null)
        {
            var claimed = AgentTokens.ClaimedAgentName(token);
            agent = (claimed is null || !AgentNames.IsValid(claimed) ? null
                        : await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(claimed)).Authenticate(token))
                    ?? throw new AgentChannelException(ErrorKind.Unauthorized, "The token is not valid.");
            if (request.Name is not null && !AgentNames.Equal(request.Name, agent.Name))
            {
                throw AgentChannelException.Invalid("name", "The token belongs to another agent.");
            }
            if (request.Type is not null || request.Capabilities is not null || request.Metadata is not null)
            {
                // A profile update: what is not sent stays as it is.
                agent = (await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).Register(new AgentRegistration(
                    agent.Name, request.Type ?? agent.Type, request.Capabilities ?? agent.Capabilities,
                    request.Metadata ?? agent.Metadata), token)).Agent;
            }
        }
        else
        {
            var name = AgentNames.Require(request.Name, "name");
            var registered = await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(name))
                .Register(new AgentRegistration(name, request.Type!, request.Capabilities, request.Metadata), null);
            agent = registered.Agent;
            newToken = registered.Token;
        }

        AgentName = agent.Name;
        _token = newToken ?? token;
        var grain = _cluster.GetGrain<IAgentGrain>(AgentKey!);
        // Register before reading the inbox: whatever is stored from here on also arrives live.
        var observer = _observer = _cluster.CreateObjectReference<IInboxObserver>(this);
        _gateway.ObserverCreated();
        _gateway.Track(this);
        _interest = LiveInterest.InboxOnly with { Presence = request.Presence ?? true };
        agent = (await Renew(grain, observer)).Agent;
        var position = await grain.GetInboxPosition();
        var replayFrom = Math.Min(request.LastSeq ?? position.AckedSeq, position.LastSeq);
        return (new RegisterAck(agent, newToken, position, replayFrom), () =>
        {
            _pump = Task.Run(() => Pump(grain, replayFrom));
            _renewal = Task.Run(() => InboxDelivery.RenewPresence(grain, () => RenewChecked(grain, observer), PushSnapshots, Push, _renewEvery,
                exception => LogRenewFailed(exception, Id), _closing.Token));
        });
    }

    /// <summary>The one writer of pushes: inbox replay first, then live events in sequence order, no gap, no repeat.</summary>
    private async Task Pump(IAgentGrain grain, long replayFrom)
    {
        try
        {
            await InboxDelivery.Pump(grain, replayFrom, _events.Reader,
                item => Send(new ServerFrame(item.Event, null, item.Seq, item.Data), item.TraceParent), _options.ReplayPageSize, _closing.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            LogPumpFailed(exception, Id);
            Close(WebSocketCloseStatus.InternalServerError, "delivery failed: reconnect and resume from your last acked seq");
        }
    }

    private async Task CloseUnlessRegistered()
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(_options.RegisterTimeoutSeconds), _closing.Token);
            if (AgentName is null)
            {
                Close(WebSocketCloseStatus.PolicyViolation, $"no {ClientEvents.Register} within {_options.RegisterTimeoutSeconds} s");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private Task Reply(string eventName, JsonElement? id, object data) =>
        Send(new ServerFrame(eventName, id, null, RawJson.Serialize(data, AgentChannelJson.Options)));

    /// <param name="traceParent">Set on a live push whose delivery was traced: the socket write is its span's child.</param>
    private async Task Send(ServerFrame frame, string? traceParent = null) =>
        await _frames.Writer.WriteAsync(new OutgoingFrame(frame.ToUtf8(), traceParent is null ? null : frame.Event, frame.Seq, traceParent), _closing.Token);

    /// <summary>A frame on its way to the socket, with the trace of the push it carries.</summary>
    private readonly record struct OutgoingFrame(byte[] Bytes, string? Event, long? Seq, string? TraceParent);

    private async Task SendLoop()
    {
        try
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(_closing.Token))
            {
                using var span = frame.TraceParent is null ? null
                    : AgentChannelTracing.StartChild(AgentChannelTracing.WebSocket, $"ws push {frame.Event}", frame.TraceParent, ActivityKind.Producer);
                span?.SetTag(AgentChannelTracing.AgentTag, AgentName).SetTag(AgentChannelTracing.SeqTag, frame.Seq);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(_options.SendTimeoutSeconds));
                await _socket.SendAsync(frame.Bytes, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            // Closing: the queue read was cancelled, the socket is intact for the closing handshake.
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            Close(WebSocketCloseStatus.PolicyViolation, "the client stopped reading", abort: true);
        }
    }

    /// <summary>
    /// Ends the connection once: stops our loops and then either drops the socket (<paramref name="abort"/>)
    /// or sends a close frame with the reason and gives the client a moment to answer.
    /// </summary>
    private void Close(WebSocketCloseStatus status, string reason, bool abort = false, byte[]? farewell = null)
    {
        lock (_abort)
        {
            if (!_closing.IsCancellationRequested)
            {
                _closeStatus = status;
                _closeReason = reason;
                _farewell = farewell;
                _closing.Cancel();
                _closingHandshake = abort ? Task.CompletedTask : CloseHandshake();
            }
            if (abort && !_abort.IsCancellationRequested)
            {
                _abort.Cancel();
            }
        }
    }

    private async Task CloseHandshake()
    {
        await _sending;
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                if (_farewell is not null && _socket.State == WebSocketState.Open)
                {
                    await _socket.SendAsync(_farewell, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                }
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, timeout.Token);
            }
            // The client answers with its own close frame, which ends the receive loop; if it does not, drop it.
            await _receiveEnded.Task.WaitAsync(TimeSpan.FromSeconds(2), _abort.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or TimeoutException)
        {
        }
        lock (_abort)
        {
            if (!_abort.IsCancellationRequested)
            {
                _abort.Cancel();
            }
        }
    }

    /// <summary>Gives back what the connection held: its place in the gateway, its presence, its inbox observer.</summary>
    private async Task ReleaseAsync()
    {
        _gateway.Untrack(this);
        await Task.WhenAll(_pump, _renewal);
        if (AgentKey is not null)
        {
            try
            {
                await _cluster.GetGrain<IAgentGrain>(AgentKey).Disconnected(Id);
            }
            catch (Exception exception)
            {
                LogDisconnectFailed(exception, Id);
            }
        }
        // After the grain let go of it, so no push is on its way to an observer that no longer exists.
        if (_observer is not null)
        {
            _cluster.DeleteObjectReference<IInboxObserver>(_observer);
            _gateway.ObserverDeleted();
        }
    }

    [LoggerMessage(LogLevel.Debug, "Connection {ConnectionId} ended: {Reason}")]
    private partial void LogConnectionEnded(string connectionId, string reason);

    [LoggerMessage(LogLevel.Warning, "Connection {ConnectionId} of {Agent} fell {Capacity} events behind and is disconnected")]
    private partial void LogOverflow(string connectionId, string? agent, int capacity);

    [LoggerMessage(LogLevel.Error, "{Event} on connection {ConnectionId} failed")]
    private partial void LogRequestFailed(Exception exception, string @event, string connectionId);

    [LoggerMessage(LogLevel.Error, "Handling requests on connection {ConnectionId} failed")]
    private partial void LogHandlingFailed(Exception exception, string connectionId);

    [LoggerMessage(LogLevel.Error, "Delivery to connection {ConnectionId} failed")]
    private partial void LogPumpFailed(Exception exception, string connectionId);

    [LoggerMessage(LogLevel.Warning, "Presence renewal for connection {ConnectionId} failed")]
    private partial void LogRenewFailed(Exception exception, string connectionId);

    [LoggerMessage(LogLevel.Warning, "Marking connection {ConnectionId} disconnected failed")]
    private partial void LogDisconnectFailed(Exception exception, string connectionId);
}
