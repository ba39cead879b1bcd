using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.WebFrontend.Identity;
using Orleans.Streams;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// This gateway's live connections: accepts sockets on /ws, and fans the activity stream (presence and
/// memory changes) out to the connections that should see each event.
/// </summary>
public sealed partial class RealtimeGateway(
    IClusterClient cluster,
    IOptions<RealtimeOptions> options,
    IOptions<PresenceOptions> presence,
    IMeterFactory meters,
    IHostApplicationLifetime lifetime,
    ILogger<RealtimeGateway> logger,
    ILoggerFactory loggers) : IHostedService, IAsyncObserver<AgentEvent>
{

    private readonly ConcurrentDictionary<string, AgentConnection> _connections = new(StringComparer.Ordinal);
    private readonly Meter _meter = meters.Create(Hosting.AgentChannelMetrics.MeterName);
    private StreamSubscriptionHandle<AgentEvent>? _activity;
    private int _observers;

    /// <summary>Registered connections right now.</summary>
    public int ConnectionCount => _connections.Count;

    public IEnumerable<AgentConnection> Connections => _connections.Values;

    /// <summary>Inbox observers this gateway holds right now (one per registered connection).</summary>
    public int ObserverCount => Volatile.Read(ref _observers);

    public async Task Accept(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(new { code = "invalid", detail = "This endpoint speaks WebSocket only." });
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new AgentConnection(socket, cluster, this, options.Value, presence.Value.OfflineAfter,
            AgentTokenAuthenticationHandler.BearerToken(context.Request), loggers.CreateLogger<AgentConnection>());
        await connection.RunAsync();
    }

    internal void Track(AgentConnection connection) => _connections[connection.Id] = connection;

    internal void Untrack(AgentConnection connection) => _connections.TryRemove(connection.Id, out _);

    internal void ObserverCreated() => Interlocked.Increment(ref _observers);

    internal void ObserverDeleted() => Interlocked.Decrement(ref _observers);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _meter.CreateObservableGauge("agentchannel.realtime.connections", () => ConnectionCount, description: "Registered WebSocket connections");
        _meter.CreateObservableGauge("agentchannel.realtime.observers", () => ObserverCount, description: "Inbox observers held for registered connections");
        _activity = await cluster.GetStreamProvider(AgentChannelStreams.ProviderName)
            .GetStream<AgentEvent>(AgentChannelStreams.Activity).SubscribeAsync(this);
        // On stopping, before the web server stops: it waits for open requests, and a socket stays open until
        // closed, so left alone every connection would hold the shutdown until its timeout (30 s).
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var connection in _connections.Values)
            {
                _ = connection.GoingAway();
            }
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_activity is not null)
        {
            await _activity.UnsubscribeAsync();
        }
    }

    /// <summary>Activity events: presence to everyone else, memory changes to watchers who may read the key.</summary>
    public Task OnNextAsync(AgentEvent item, StreamSequenceToken? token = null)
    {
        if (item.Audience is not { } audience)
        {
            return Task.CompletedTask;
        }
        switch (item.Event)
        {
            case EventNames.AgentJoined or EventNames.AgentLeft:
                foreach (var connection in _connections.Values)
                {
                    if (connection.AgentName is { } name && !AgentNames.Equal(name, audience.Subject))
                    {
                        connection.Push(item with { Audience = null });
                    }
                }
                break;
            case EventNames.MemoryUpdated:
                foreach (var connection in _connections.Values)
                {
                    if (connection.AgentName is { } name && connection.Watches(audience.Subject)
                        && (audience.Readers is null || audience.Readers.Any(reader => AgentNames.Equal(reader, name))))
                    {
                        connection.Push(item with { Audience = null });
                    }
                }
                break;
        }
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogActivityError(ex);
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Warning, "Activity stream error")]
    private partial void LogActivityError(Exception exception);
}
