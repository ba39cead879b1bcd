using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A real WebSocket client for tests: requests wait for the ack or error with their id; pushes are queued
/// in arrival order so a test can assert exactly what an agent saw.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<JsonNode> _pushes = Channel.CreateUnbounded<JsonNode>();
    private readonly Dictionary<string, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private int _nextId;
    private int _disposed;

    public static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(20);

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>Completes when the server ends the connection (close frame or abort).</summary>
    public Task Closed => _reading;

    /// <param name="paused">When true nothing is read from the socket, as with a client that stalls.</param>
    public static Task<WsClient> Connect(AgentChannelServer server, string? bearerToken = null, bool paused = false) =>
        Connect(server.Address, bearerToken, paused);

    /// <param name="address">The server's HTTP address (a host in another process, for example).</param>
    /// <param name="bearerToken">An agent token sent as the Authorization header.</param>
    /// <param name="paused">When true nothing is read from the socket, as with a client that stalls.</param>
    public static async Task<WsClient> Connect(Uri address, string? bearerToken = null, bool paused = false)
    {
        var client = new WsClient();
        if (bearerToken is not null)
        {
            client._socket.Options.SetRequestHeader("Authorization", $"Bearer {bearerToken}");
        }
        var uri = new UriBuilder(address) { Scheme = "ws", Path = "/ws" }.Uri;
        await client._socket.ConnectAsync(uri, TestContext.Current.CancellationToken);
        if (!paused)
        {
            client._reading = client.ReadLoop();
        }
        return client;
    }

    /// <summary>Registers (or authenticates) and returns the ack's data.</summary>
    public async Task<JsonNode> Register(object data)
    {
        var reply = await Request("agent:register", data);
        reply["event"]!.GetValue<string>().ShouldBe("ack", reply.ToJsonString());
        return reply["data"]!;
    }

    /// <summary>For a paused client: registers, reads just the ack, returns the token, and reads nothing after.</summary>
    public async Task<string> RegisterWithoutReading(object data)
    {
        await SendRaw(JsonSerializer.Serialize(new { @event = "agent:register", id = "register", data }));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        var ack = JsonNode.Parse(message.ToArray())!;
        ack["event"]!.GetValue<string>().ShouldBe("ack", ack.ToJsonString());
        return ack["data"]!["token"]!.GetValue<string>();
    }

    /// <summary>Sends a request and returns the whole ack or error frame.</summary>
    /// <param name="traceparent">A W3C traceparent sent in the frame (the client's span).</param>
    public async Task<JsonNode> Request(string eventName, object? data = null, string? traceparent = null) =>
        await (await Send(eventName, data, traceparent)).WaitAsync(Deadline, TestContext.Current.CancellationToken);

    /// <summary>Sends a request and returns, once it is on the wire, the task of its reply.</summary>
    private async Task<Task<JsonNode>> Send(string eventName, object? data, string? traceparent = null)
    {
        var id = $"r{Interlocked.Increment(ref _nextId)}";
        var reply = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            _pending[id] = reply;
        }
        await SendRaw(traceparent is null
            ? JsonSerializer.Serialize(new { @event = eventName, id, data })
            : JsonSerializer.Serialize(new { @event = eventName, id, data, traceparent }));
        return reply.Task;
    }

    /// <summary>Sends the requests one after another without waiting for replies, then returns every reply, in request order.</summary>
    public async Task<List<JsonNode>> Pipeline(string eventName, IReadOnlyList<object> datas)
    {
        var replies = new List<Task<JsonNode>>(datas.Count);
        foreach (var data in datas)
        {
            replies.Add(await Send(eventName, data));
        }
        return [.. await Task.WhenAll(replies).WaitAsync(Deadline, TestContext.Current.CancellationToken)];
    }

    /// <summary>Sends a request that must be acked and returns the ack's data.</summary>
    public async Task<JsonNode> Ack(string eventName, object? data = null)
    {
        var reply = await Request(eventName, data);
        reply["event"]!.GetValue<string>().ShouldBe("ack", reply.ToJsonString());
        return reply["data"]!;
    }

    public Task SendRaw(string text) => SendRaw(Encoding.UTF8.GetBytes(text));

    public async Task SendRaw(byte[] bytes) =>
        await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);

    /// <summary>The next reply that carries no request id (e.g. the error for a frame that was not JSON).</summary>
    public async Task<JsonNode> NextUnmatchedReply() => await NextPush(frame => frame["event"]!.GetValue<string>() is "error" or "ack");

    /// <summary>The next push (in order) that matches, skipping others; fails after the deadline.</summary>
    public async Task<JsonNode> NextPush(Func<JsonNode, bool>? match = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        while (true)
        {
            var push = await _pushes.Reader.ReadAsync(deadline.Token);
            if (match is null || match(push))
            {
                return push;
            }
        }
    }

    /// <summary>Pushes of one event name, in order, until <paramref name="count"/> have arrived.</summary>
    public async Task<List<JsonNode>> Collect(string eventName, int count)
    {
        var collected = new List<JsonNode>(count);
        while (collected.Count < count)
        {
            collected.Add(await NextPush(frame => frame["event"]!.GetValue<string>() == eventName));
        }
        return collected;
    }

    /// <summary>Everything pushed so far that has not been read.</summary>
    public List<JsonNode> Drain()
    {
        var drained = new List<JsonNode>();
        while (_pushes.Reader.TryRead(out var push))
        {
            drained.Add(push);
        }
        return drained;
    }

    /// <summary>Drops the TCP connection without a close handshake, as a crashed client would.</summary>
    public void Abort() => _socket.Abort();

    private async Task ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                var frame = JsonNode.Parse(message.ToArray())!;
                var id = frame["id"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
                TaskCompletionSource<JsonNode>? pending = null;
                if (id is not null)
                {
                    lock (_pending)
                    {
                        _pending.Remove(id, out pending);
                    }
                }
                if (pending is not null)
                {
                    pending.TrySetResult(frame);
                }
                else
                {
                    await _pushes.Writer.WriteAsync(frame);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            _pushes.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "test done", timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
            }
        }
        await _stop.CancelAsync();
        await _reading;
        _socket.Dispose();
        _stop.Dispose();
    }
}
