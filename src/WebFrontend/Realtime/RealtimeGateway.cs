using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Identity;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// This gateway's live connections: accepts sockets on /ws. Every event a connection sends comes from its own
/// agent's grain (inbox pushes and the live events the connection asked for); the gateway reads no stream, so
/// its work grows with its own agents' traffic, not the cluster's.
/// </summary>
public sealed class RealtimeGateway(
    IClusterClient cluster,
    IOptions<RealtimeOptions> options,
    IOptions<PresenceOptions> presence,
    IMeterFactory meters,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : IHostedService
{
    private readonly ConcurrentDictionary<string, AgentConnection> _connections = new(StringComparer.Ordinal);
    private readonly Meter _meter = meters.Create(Hosting.AgentChannelMetrics.MeterName);
    private Counter<long>? _eventCounter;
    private int _observers;
    private long _events;

    /// <summary>Registered connections right now.</summary>
    public int ConnectionCount => _connections.Count;

    public IEnumerable<AgentConnection> Connections => _connections.Values;

    /// <summary>Inbox observers this gateway holds right now (one per registered connection).</summary>
    public int ObserverCount => Volatile.Read(ref _observers);

    /// <summary>Events the agents' grains pushed to this gateway's connections since it started.</summary>
    public long EventsReceived => Interlocked.Read(ref _events);

    public async Task Accept(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await context.RequestServices.GetRequiredService<ProblemResponses>().Write(context, ErrorKind.Invalid, "This endpoint speaks WebSocket only.");
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

    internal void CountEvents(int count)
    {
        Interlocked.Add(ref _events, count);
        _eventCounter?.Add(count);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _meter.CreateObservableGauge("agentchannel.realtime.connections", () => ConnectionCount, description: "Registered WebSocket connections");
        _meter.CreateObservableGauge("agentchannel.realtime.observers", () => ObserverCount, description: "Inbox observers held for registered connections");
        _eventCounter = _meter.CreateCounter<long>("agentchannel.realtime.events", description: "Events the agents' grains pushed to this gateway's WebSocket connections");
        // On stopping, before the web server stops: it waits for open requests, and a socket stays open until
        // closed, so left alone every connection would hold the shutdown until its timeout (30 s).
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var connection in _connections.Values)
            {
                _ = connection.GoingAway();
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
