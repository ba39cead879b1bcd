using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// An agent's inbox held open by one HTTP request (an SSE stream, a long poll): registered with the agent's grain
/// as a live connection, as a WebSocket is, so the agent is present and what its inbox stores is pushed here,
/// until disposed. A request that falls <c>SendQueueCapacity</c> events behind has its pushes ended: it resumes
/// from the inbox.
/// </summary>
public sealed partial class InboxSubscription : IInboxObserver, IAsyncDisposable
{
    private readonly IClusterClient _cluster;
    private readonly RealtimeGateway _gateway;
    private readonly ILogger _logger;
    private readonly Channel<AgentEvent> _events;
    private IInboxObserver? _reference;

    private InboxSubscription(IClusterClient cluster, RealtimeGateway gateway, IAgentGrain grain, int capacity, ILogger logger)
    {
        _cluster = cluster;
        _gateway = gateway;
        _logger = logger;
        Grain = grain;
        _events = Channel.CreateBounded<AgentEvent>(new BoundedChannelOptions(capacity) { SingleReader = true });
    }

    public string Id { get; } = $"http-{Guid.NewGuid():N}";

    public IAgentGrain Grain { get; }

    /// <summary>What the grain pushed, in the order it arrived; completes when the subscription fell behind.</summary>
    public ChannelReader<AgentEvent> Events => _events.Reader;

    public IInboxObserver Reference => _reference!;

    /// <summary>Registers before anything is read, so whatever is stored from then on also arrives here.</summary>
    public static async Task<InboxSubscription> Open(IClusterClient cluster, RealtimeGateway gateway, IAgentGrain grain,
        int capacity, ILogger logger)
    {
        var subscription = new InboxSubscription(cluster, gateway, grain, capacity, logger);
        subscription._reference = cluster.CreateObjectReference<IInboxObserver>(subscription);
        gateway.ObserverCreated();
        try
        {
            await subscription.Renew();
        }
        catch
        {
            await subscription.DisposeAsync();
            throw;
        }
        return subscription;
    }

    /// <summary>Tells the grain the subscription is still open (it asks for the inbox only).</summary>
    public Task<AgentConnected> Renew() => Grain.Connected(Id, Reference, LiveInterest.InboxOnly);

    public Task Stored(IReadOnlyList<AgentEvent> items)
    {
        foreach (var item in items)
        {
            Push(item);
        }
        return Task.CompletedTask;
    }

    /// <summary>Never called: the subscription asks for no live events.</summary>
    public Task Live(IReadOnlyList<AgentEvent> items) => Task.CompletedTask;

    /// <summary>The token stopped: the client is told why, and the stream ends.</summary>
    public Task Revoked(string code, string reason)
    {
        _events.Writer.TryWrite(new AgentEvent(EventNames.SessionRevoked, null,
            Json.RawJson.Serialize(new SessionRevokedNotice(code, reason), Json.AgentChannelJson.Options)));
        _events.Writer.TryComplete();
        return Task.CompletedTask;
    }

    public void Push(AgentEvent item)
    {
        if (!_events.Writer.TryWrite(item))
        {
            _events.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Grain.Disconnected(Id);
        }
        catch (Exception exception)
        {
            LogDisconnectFailed(exception, Id);
        }
        // After the grain let go of it, so no push is on its way to an observer that no longer exists.
        if (_reference is not null)
        {
            _cluster.DeleteObjectReference<IInboxObserver>(_reference);
            _gateway.ObserverDeleted();
            _reference = null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Marking HTTP inbox subscription {SubscriptionId} disconnected failed")]
    private partial void LogDisconnectFailed(Exception exception, string subscriptionId);
}
