using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// Frames from the client: read and parsed in order, grouped (sends batched into one call, independent requests
/// answered concurrently), each answered with its ack or error.
/// </summary>
public sealed partial class AgentConnection
{
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
            // The frame is still answered under its id when that much of it can be read (docs/api.md 6.2).
            return new ReceivedFrame(ReadableId(json) is { } id ? new ClientFrame(null, id, null) : null,
                new WireError(ErrorKind.Invalid.ToWire(), "A frame is a JSON object: {\"event\", \"id\", \"data\"}."));
        }
        return frame?.Event is { Length: > 0 }
            ? new ReceivedFrame(frame, null)
            : new ReceivedFrame(frame, new WireError(ErrorKind.Invalid.ToWire(), "'event' is required.", "event"));
    }

    /// <summary>The frame's <c>id</c>, if the frame is a JSON object that has one.</summary>
    private static JsonElement? ReadableId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null
                ? id.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
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
}
