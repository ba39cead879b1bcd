using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// Everything bound for the client: pushes from the agent's grain and replies, through one bounded queue and one
/// send loop.
/// </summary>
public sealed partial class AgentConnection
{
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
}
