using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Client.Delivery;
using Orleans.AgentChannel.Client.Memory;
using Orleans.AgentChannel.Client.Sending;
using Orleans.AgentChannel.Client.Tasks;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// One agent in an Orleans.AgentChannel cluster, joined as an Orleans client (no WebSocket hop). It has the
/// shape of the Python SDK's <c>AgentClient</c>:
/// <code>
/// await using var agent = await AgentClient.ConnectAsync(new AgentClientOptions { Name = "analysis_agent", Capabilities = ["analysis"] });
/// agent.OnMessage(message => Console.Out.WriteLineAsync($"{message.Sender}: {message.Content}"));
/// agent.Start();
/// await agent.SendMessageAsync("Starting analysis", recipients: ["research_agent"]);
/// </code>
/// Events come from the agent's durable inbox: after <see cref="Start"/> (or the first enumeration) the agent
/// gets everything after its last acknowledged sequence, in order, then live events. An event counts as
/// processed when its handlers and enumerations are done with it; processed sequences are acknowledged, so a
/// restarted agent resumes after them and misses nothing.
/// </summary>
public sealed partial class AgentClient : IAsyncDisposable
{
    private static readonly TimeSpan MinimumHeartbeatPatience = TimeSpan.FromSeconds(5);

    private readonly AgentClientOptions _options;
    private readonly IClusterClient _cluster;
    private readonly IHost? _ownedClient;
    private readonly IAgentGrain _grain;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private readonly EventDispatcher _dispatcher;
    private readonly MemoryWatchList _watches = new();
    private readonly HeldAssignments _assignments;
    private readonly SendBatcher _sends;
    /// <summary>
    /// Held while the connection is renewed with the agent's grain or what it watches changes, so a renewal never
    /// sends older watches after newer ones, and none runs once the client is closing.
    /// </summary>
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ClientInboxDelivery? _delivery;
    // Held here: the cluster keeps only a weak reference to an observer object.
    private InboxPush? _push;
    private IInboxObserver? _observer;
    private Task _heartbeats = Task.CompletedTask;
    private Caller _caller;
    private AgentInfo? _agent;
    private bool _connected;
    private int _disposed;

    private AgentClient(AgentClientOptions options, IClusterClient cluster, IHost? ownedClient, ILoggerFactory loggers)
    {
        _options = options;
        _cluster = cluster;
        _ownedClient = ownedClient;
        _grain = cluster.GetGrain<IAgentGrain>(AgentNames.Key(options.Name));
        _caller = Caller.Agent(options.Name);
        _logger = loggers.CreateLogger<AgentClient>();
        _assignments = new HeldAssignments(() => _caller.Name);
        _sends = new SendBatcher(async (drafts, keys) =>
        {
            // Presented for each batch: batches after the first leave from the loop, not from their own sends' calls.
            using var presented = ClusterCredential.Present(Token);
            return await _cluster.GetGrain<IMessagesGrain>(0).SendMany(_caller, drafts, keys);
        });
        _dispatcher = new EventDispatcher(_logger, _assignments.Observe);
    }

    /// <summary>The agent's name as registered.</summary>
    public string Name => _caller.Name;

    /// <summary>The agent as the cluster last described it (at connect, then at each heartbeat or status change).</summary>
    public AgentInfo Agent => _agent ?? throw new InvalidOperationException("Not connected.");

    /// <summary>The agent's bearer token; the same token works for REST and WebSocket.</summary>
    public string Token { get; private set; } = "";

    /// <summary>Where the token is read from and saved to.</summary>
    public string TokenFile { get; private set; } = "";

    /// <summary>This client's connection, as the agent grain counts live connections for presence.</summary>
    public string ConnectionId { get; } = $"client-{Guid.NewGuid():N}";

    /// <summary>The highest inbox sequence whose handlers and enumerations are done with it.</summary>
    public long ProcessedSeq => Delivery.ProcessedSeq;

    /// <summary>The highest inbox sequence acknowledged to the cluster: the next connect resumes after it.</summary>
    public long AckedSeq => Delivery.AckedSeq;

    /// <summary>What the agent watches in shared memory.</summary>
    public MemoryWatches MemoryWatches => _watches.Current;

    /// <summary>The Orleans client the agent talks through (its own, or the one given in the options).</summary>
    public IClusterClient ClusterClient => _cluster;

    private ClientInboxDelivery Delivery => _delivery ?? throw new InvalidOperationException("Not connected.");

    /// <summary>
    /// Joins the cluster (starting an Orleans client unless one is given), registers the agent or authenticates
    /// it with its token, subscribes to its events and marks it present. Delivery of events starts with
    /// <see cref="Start"/>, so handlers registered after this returns miss nothing.
    /// </summary>
    /// <exception cref="ConflictException">The name belongs to another agent and no valid token was given or saved.</exception>
    /// <exception cref="UnauthorizedException">The given <see cref="AgentClientOptions.Token"/> is not the agent's.</exception>
    public static async Task<AgentClient> ConnectAsync(AgentClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            options.Validate();
        }
        catch (AgentChannelException error)
        {
            throw AgentRequestException.From(error);
        }
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var ownedClient = options.ClusterClient is null ? await StartClusterClient(options, cancellationToken) : null;
        var cluster = options.ClusterClient ?? ownedClient!.Services.GetRequiredService<IClusterClient>();
        var agent = new AgentClient(options, cluster, ownedClient, loggers);
        try
        {
            // Not WaitAsync: cleaning up while Open still runs could leave a subscription or a presence behind.
            await agent.Open(cancellationToken);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts delivering events to the handlers and enumerations: the inbox after the last acknowledged
    /// sequence, then live events. Register handlers before; events nothing is registered for count as processed.
    /// Enumerating one of the <c>Read...Async</c> streams starts delivery too. Calling it again does nothing.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        Delivery.Start();
    }

    /// <summary>Starts delivery and returns when <paramref name="stoppingToken"/> is cancelled or the client is disposed.</summary>
    public async Task RunAsync(CancellationToken stoppingToken = default)
    {
        Start();
        try
        {
            await _closed.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Stops delivery (waiting for the event being handled), acknowledges what was processed, unsubscribes,
    /// tells the cluster this connection closed and stops the Orleans client the agent started. Events that
    /// were not processed come again on the next connect. Safe to call from a handler.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _closing.CancelAsync();
        if (_delivery is not null)
        {
            await _delivery.StopAsync();
        }
        await _heartbeats;
        using var presented = Token.Length > 0 ? ClusterCredential.Present(Token) : default;
        await _renewing.WaitAsync();
        try
        {
            if (_observer is not null)
            {
                _cluster.DeleteObjectReference<IInboxObserver>(_observer);
            }
        }
        finally
        {
            _renewing.Release();
        }
        if (_connected)
        {
            try
            {
                await _grain.Disconnected(ConnectionId);
            }
            catch (Exception exception)
            {
                LogDisconnectFailed(exception, Name);
            }
        }
        if (_ownedClient is not null)
        {
            await _ownedClient.StopAsync(CancellationToken.None);
            _ownedClient.Dispose();
        }
        _closed.TrySetResult();
    }

    /// <summary>Each step is one or two grain calls; cancellation is honoured between them.</summary>
    private async Task Open(CancellationToken cancellationToken)
    {
        TokenFile = _options.TokenFile ?? TokenStore.DefaultPath(ClusterName(), _options.Name);
        _agent = await Authenticate();
        _caller = Caller.Agent(_agent.Name);
        // Every call from here on carries the token; the heartbeats started below inherit it with this flow.
        using var presented = ClusterCredential.Present(Token);
        _delivery = new ClientInboxDelivery(_grain, _caller, () => Token, _dispatcher, _options.ReplayPageSize, _options.AckDelay, _logger, _closing.Token);
        cancellationToken.ThrowIfCancellationRequested();

        _push = new InboxPush(_delivery, (code, reason) => LogSessionRevoked(Name, code, reason));
        _observer = _cluster.CreateObjectReference<IInboxObserver>(_push);
        // Registered before the inbox position is read: whatever is stored from here on also arrives live.
        _agent = (await Renew()).Agent;
        _connected = true;
        _delivery.ResumeAfter(await _grain.GetInboxPosition());
        // The heartbeats live as long as the client, not as long as the connect call.
        _heartbeats = Task.Run(Heartbeats, CancellationToken.None);
        LogConnected(Name, ConnectionId, _delivery.AckedSeq);
    }

    [LoggerMessage(LogLevel.Information, "Agent {Agent} connected as {ConnectionId}; delivery resumes after inbox seq {AckedSeq}")]
    private partial void LogConnected(string agent, string connectionId, long ackedSeq);

    [LoggerMessage(LogLevel.Information, "Registered agent {Agent}; its token is saved to {TokenFile}")]
    private partial void LogRegistered(string agent, string tokenFile);

    [LoggerMessage(LogLevel.Warning, "The token of {Agent} stopped ({Code}: {Reason}); the cluster refuses its calls from now on")]
    private partial void LogSessionRevoked(string agent, string code, string reason);

    [LoggerMessage(LogLevel.Error, "Could not save the token to {TokenFile}; keep AgentClient.Token yourself")]
    private partial void LogTokenNotSaved(Exception exception, string tokenFile);

    [LoggerMessage(LogLevel.Warning, "The cluster refused the token saved in {TokenFile}; registering {Agent} anew")]
    private partial void LogTokenFileRefused(string tokenFile, string agent);

    [LoggerMessage(LogLevel.Warning, "Heartbeat of {Agent} failed")]
    private partial void LogHeartbeatFailed(Exception exception, string agent);

    [LoggerMessage(LogLevel.Information, "{Operation} of {Agent} got no answer (attempt {Attempt}, key {IdempotencyKey}); trying again in {Delay}")]
    private partial void LogWriteRetry(Exception exception, string operation, string agent, int attempt, string idempotencyKey, TimeSpan delay);

    [LoggerMessage(LogLevel.Warning, "Marking the connection of {Agent} closed failed")]
    private partial void LogDisconnectFailed(Exception exception, string agent);
}
