using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// One agent on a real WebSocket, as light as a load generator needs: requests may be pipelined (the server
/// answers in order), replies complete by id, pushes go to a callback on the read loop.
/// </summary>
public sealed class BenchAgent : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private long _nextId;

    private BenchAgent(string name) => Name = name;

    public string Name { get; }

    public string Token { get; private set; } = "";

    /// <summary>Called on the read loop for every push: event name, seq (0 when none), data.</summary>
    public Action<BenchAgent, string, long, JsonElement>? OnPush { get; set; }

    public long LastSeq { get; private set; }

    /// <summary>Opens /ws and registers (a new agent when <paramref name="token"/> is null).</summary>
    public static async Task<BenchAgent> Connect(Uri server, string name, string[]? capabilities = null, string? token = null,
        Action<BenchAgent, string, long, JsonElement>? onPush = null, long? lastSeq = null)
    {
        var agent = new BenchAgent(name) { OnPush = onPush };
        agent._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await agent._socket.ConnectAsync(new UriBuilder(server) { Scheme = "ws", Path = "/ws" }.Uri, CancellationToken.None);
        agent._reading = agent.ReadLoop();
        object data = token is null
            ? new { name, type = "bench", capabilities = capabilities ?? [] }
            : lastSeq is null ? new { token } : new { token, last_seq = lastSeq };
        var ack = await agent.Request("agent:register", data);
        agent.Token = token ?? ack.GetProperty("token").GetString()!;
        return agent;
    }

    /// <summary>Sends a request and returns the ack's data; an error reply throws.</summary>
    public Task<JsonElement> Request(string eventName, object? data = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        var frame = JsonSerializer.SerializeToUtf8Bytes(new { @event = eventName, id = id.ToString(System.Globalization.CultureInfo.InvariantCulture), data });
        return SendThenWait(frame, reply.Task);
    }

    private async Task<JsonElement> SendThenWait(byte[] frame, Task<JsonElement> reply)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
        return await reply;
    }

    private async Task ReadLoop()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var message = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                message.ResetWrittenCount();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    message.Write(buffer.AsSpan(0, result.Count));
                }
                while (!result.EndOfMessage);
                Dispatch(message.WrittenMemory);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException($"{Name}: connection closed"));
            }
        }
    }

    /// <summary>Frames that were not JSON; a run that saw any says so (the server must never send one).</summary>
    public static long MalformedFrames => Interlocked.Read(ref _malformedFrames);

    private static long _malformedFrames;
    private static double _lastPushAtMs;

    /// <summary>Milliseconds since any agent of this process last received a push.</summary>
    public static double SinceLastPushMs => Clock.NowMs - Volatile.Read(ref _lastPushAtMs);

    private void Dispatch(ReadOnlyMemory<byte> frame)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException error)
        {
            if (Interlocked.Increment(ref _malformedFrames) == 1)
            {
                Console.Error.WriteLine($"{Name}: a frame that is not JSON ({error.Message}): {System.Text.Encoding.UTF8.GetString(frame.Span[..Math.Min(frame.Length, 300)])}");
            }
            return;
        }
        using var _ = document;
        var root = document.RootElement;
        var eventName = root.GetProperty("event").GetString()!;
        if (eventName is "ack" or "error")
        {
            if (root.TryGetProperty("id", out var id) && _pending.TryRemove(long.Parse(id.GetString()!, System.Globalization.CultureInfo.InvariantCulture), out var reply))
            {
                var data = root.GetProperty("data").Clone();
                if (eventName == "ack")
                {
                    reply.TrySetResult(data);
                }
                else
                {
                    reply.TrySetException(new InvalidOperationException($"{Name}: {data}"));
                }
            }
            return;
        }
        Volatile.Write(ref _lastPushAtMs, Clock.NowMs);
        var seq = root.TryGetProperty("seq", out var seqElement) ? seqElement.GetInt64() : 0;
        if (seq > 0)
        {
            LastSeq = seq;
        }
        OnPush?.Invoke(this, eventName, seq, root.GetProperty("data"));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                // Not CloseAsync: it reads until the server's close frame, concurrently with the read loop, and
                // the two then split frames between them. The read loop takes the close frame and ends.
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
                await _reading.WaitAsync(timeout.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
        }
        await _stop.CancelAsync();
        await _reading;
        _socket.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Latency samples in milliseconds and their percentiles.</summary>
public sealed class Latencies
{
    private readonly ConcurrentBag<double> _samples = [];

    public int Count => _samples.Count;

    public void Add(double milliseconds) => _samples.Add(milliseconds);

    public (double P50, double P95, double P99) Percentiles()
    {
        var sorted = _samples.ToArray();
        Array.Sort(sorted);
        return sorted.Length == 0 ? (double.NaN, double.NaN, double.NaN) : (At(0.50), At(0.95), At(0.99));

        double At(double fraction) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
    }

    public string Format()
    {
        var (p50, p95, p99) = Percentiles();
        return $"{p50:N1} / {p95:N1} / {p99:N1}";
    }
}

public static class Clock
{
    private static readonly long Start = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Milliseconds since the process started, comparable between sender and receiver (same process).</summary>
    public static double NowMs => System.Diagnostics.Stopwatch.GetElapsedTime(Start).TotalMilliseconds;

    public static string Stamp() => NowMs.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    public static double Since(string stamp) => NowMs - double.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>This process's CPU use since it was made, as a share of all cores (server and generator share the process).</summary>
public sealed class CpuMeter
{
    private readonly TimeSpan _cpuAtStart = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();

    public double Share =>
        (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart)
        / (System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt) * Environment.ProcessorCount);
}
