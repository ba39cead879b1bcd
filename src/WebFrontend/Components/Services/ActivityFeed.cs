using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// One circuit's view of the <c>activity</c> stream: subscribes on first use, turns each event into a typed C#
/// event, and unsubscribes when the circuit ends. While the tab's connection is down it holds no subscription
/// (<see cref="ActivityFeedConnectionHandler"/>): a closed tab's circuit lingers for Blazor's retention period,
/// and must not keep the silo pushing events to it. Handlers run on an Orleans thread, not the render thread:
/// components must marshal with <c>InvokeAsync</c>.
/// </summary>
public sealed partial class ActivityFeed(IClusterClient cluster, ILogger<ActivityFeed> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ActivitySubscription? _subscription;
    private bool _started;
    private bool _suspended;
    private bool _disposed;

    /// <summary>An agent joined, left or changed (status, profile, last seen).</summary>
    public event Action<AgentInfo>? AgentChanged;

    /// <summary>An agent was retired: it leaves the listing.</summary>
    public event Action<AgentInfo>? AgentRetired;

    public event Action<TaskInfo>? TaskChanged;

    public event Action<MessageInfo>? MessagePosted;

    public event Action<MemoryUpdated>? MemoryChanged;

    /// <summary>
    /// The feed is back after the tab's connection was down: events of that time were missed, so what a page
    /// shows must be read again.
    /// </summary>
    public event Action? Resumed;

    /// <summary>Subscribes to the activity stream once per circuit; later calls return at once.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _started = true;
            if (!_suspended)
            {
                await SubscribeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The tab's connection went down: let go of the subscription until it comes back.</summary>
    public async Task SuspendAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _suspended = true;
            await UnsubscribeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The tab's connection is back: subscribe again if the feed was in use, then raise <see cref="Resumed"/>.</summary>
    public async Task ResumeAsync()
    {
        bool resumed;
        await _gate.WaitAsync();
        try
        {
            resumed = _suspended && _started && !_disposed;
            _suspended = false;
            if (resumed)
            {
                await SubscribeAsync();
            }
        }
        finally
        {
            _gate.Release();
        }
        if (resumed)
        {
            Resumed?.Invoke();
        }
    }

    private async Task SubscribeAsync()
    {
        if (_subscription is null && !_disposed)
        {
            _subscription = await ActivitySubscription.Start(cluster, Handle, logger);
        }
    }

    private async Task UnsubscribeAsync()
    {
        try
        {
            if (_subscription is not null)
            {
                await _subscription.Stop();
            }
        }
        catch (Exception exception)
        {
            // The host may be stopping; the subscription dies with it.
            LogUnsubscribeFailed(exception);
        }
        finally
        {
            _subscription = null;
        }
    }

    private void Handle(AgentEvent item)
    {
        switch (item.Event)
        {
            case EventNames.AgentJoined or EventNames.AgentLeft or EventNames.AgentUpdated:
                AgentChanged?.Invoke(Read<AgentInfo>(item));
                break;
            case EventNames.AgentRetired:
                AgentRetired?.Invoke(Read<AgentInfo>(item));
                break;
            case EventNames.TaskUpdated:
                TaskChanged?.Invoke(Read<TaskInfo>(item));
                break;
            case EventNames.MessageReceived:
                MessagePosted?.Invoke(Read<MessageInfo>(item));
                break;
            case EventNames.MemoryUpdated:
                MemoryChanged?.Invoke(Read<MemoryUpdated>(item));
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            await UnsubscribeAsync();
        }
        finally
        {
            _gate.Release();
        }
        AgentChanged = null;
        AgentRetired = null;
        TaskChanged = null;
        MessagePosted = null;
        MemoryChanged = null;
        Resumed = null;
    }

    private static T Read<T>(AgentEvent item) =>
        item.Data.Deserialize<T>(AgentChannelJson.Options) ?? throw new InvalidOperationException($"Event '{item.Event}' has no data.");

    [LoggerMessage(LogLevel.Debug, "Console could not unsubscribe from the activity stream")]
    private partial void LogUnsubscribeFailed(Exception exception);
}
