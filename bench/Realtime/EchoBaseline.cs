using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// The transport ceiling: a bare Kestrel WebSocket server that sends every text frame straight back, driven by
/// the same client code at the same concurrency and frame size as the product.
/// </summary>
public sealed class EchoBaseline : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoBaseline(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<EchoBaseline> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, received.EndOfMessage, CancellationToken.None);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new EchoBaseline(app, new Uri(address));
    }

    /// <summary>Round trips per second: <paramref name="connections"/> sockets, each with <paramref name="window"/> frames in flight.</summary>
    public async Task<double> Rate(int connections, int window, int frameBytes, TimeSpan duration)
    {
        var frame = new byte[frameBytes];
        Array.Fill(frame, (byte)'x');
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < connections; i++)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new UriBuilder(Address) { Scheme = "ws", Path = "/ws" }.Uri, CancellationToken.None);
            sockets.Add(socket);
        }
        long roundTrips = 0;
        var stopAt = Clock.NowMs + duration.TotalMilliseconds;
        var started = Clock.NowMs;
        await Task.WhenAll(sockets.Select(socket => Task.Run(async () =>
        {
            // Sender: keeps `window` frames in flight, like the product client's pipelined requests.
            using var credits = new SemaphoreSlim(window);
            using var allEchoed = new CancellationTokenSource();
            var receiving = Task.Run(async () =>
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    while (true)
                    {
                        ValueWebSocketReceiveResult result;
                        do
                        {
                            result = await socket.ReceiveAsync(buffer.AsMemory(), allEchoed.Token);
                        }
                        while (!result.EndOfMessage);
                        Interlocked.Increment(ref roundTrips);
                        credits.Release();
                    }
                }
                catch (OperationCanceledException)
                {
                }
            });
            while (Clock.NowMs < stopAt)
            {
                await credits.WaitAsync();
                await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
            }
            // Every frame sent has come back once all credits are home; only then stop the receiver (which
            // may be waiting for a frame that will never come: cancelling its read is what ends it).
            for (var i = 0; i < window; i++)
            {
                await credits.WaitAsync();
            }
            await allEchoed.CancelAsync();
            await receiving;
        })));
        var rate = roundTrips / ((Clock.NowMs - started) / 1000);
        foreach (var socket in sockets)
        {
            // A cancelled read aborts a client socket: there is no close handshake left to make.
            socket.Dispose();
        }
        return rate;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
