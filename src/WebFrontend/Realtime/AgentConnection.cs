using System.Net.WebSockets;
using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// One WebSocket: requests in, acks and pushes out. After agent:register it registers with the agent's grain
/// as the agent's inbox observer, replays the inbox after the client's last sequence, then forwards live events
/// in sequence order, filling any gap from the inbox (the push is the fast path, the inbox the guarantee).
/// Everything bound for the client waits in a bounded queue; a client that lets it overflow is
/// disconnected and resumes from its last ack. This file holds the connection's life (start, close, release); the
/// rest has a file each: <c>AgentConnection.Requests.cs</c> (frames in), <c>AgentConnection.Registration.cs</c> (the
/// agent's grain, replay, watches), <c>AgentConnection.Outgoing.cs</c> (frames out).
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
