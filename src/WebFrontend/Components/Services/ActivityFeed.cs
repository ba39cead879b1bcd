using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.Streams;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// One circuit's view of the <c>activity</c> stream: subscribes on first use, turns each event into a typed C#
/// event, and unsubscribes when the circuit ends. Handlers run on an Orleans thread, not the render thread:
/// components must marshal with <c>InvokeAsync</c>.
/// </summary>
public sealed partial class ActivityFeed(IClusterClient cluster, ILogger<ActivityFeed> logger) : IAsyncObserver<AgentEvent>, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StreamSubscriptionHandle<AgentEvent>? _subscription;
    private bool _disposed;

    /// <summary>An agent joined, left or changed (status, profile, last seen).</summary>
    public event Action<AgentInfo>? AgentChanged;

    public event Action<TaskInfo>? TaskChanged;

    public event Action<MessageInfo>? MessagePosted;

    public event Action<MemoryUpdated>? MemoryChanged;

    /// <summary>Subscribes to the activity stream once per circuit; later calls return at once.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_subscription is null && !_disposed)
            {
                _subscription = await cluster.GetStreamProvider(AgentChannelStreams.ProviderName)
                    .GetStream<AgentEvent>(AgentChannelStreams.Activity).SubscribeAsync(this);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task OnNextAsync(AgentEvent item, StreamSequenceToken? token = null)
    {
        try
        {
            switch (item.Event)
            {
                case EventNames.AgentJoined or EventNames.AgentLeft or EventNames.AgentUpdated:
                    AgentChanged?.Invoke(Read<AgentInfo>(item));
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
        catch (Exception exception)
        {
            // One bad event or handler must not end the circuit's subscription.
            LogEventFailed(exception, item.Event);
        }
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            if (_subscription is not null)
            {
                await _subscription.UnsubscribeAsync();
                _subscription = null;
            }
        }
        catch (Exception exception)
        {
            // The host may be stopping; the subscription dies with it.
            LogUnsubscribeFailed(exception);
        }
        finally
        {
            _gate.Release();
        }
        AgentChanged = null;
        TaskChanged = null;
        MessagePosted = null;
        MemoryChanged = null;
    }

    private static T Read<T>(AgentEvent item) =>
        item.Data.Deserialize<T>(AgentChannelJson.Options) ?? throw new InvalidOperationException($"Event '{item.Event}' has no data.");

    [LoggerMessage(LogLevel.Warning, "Console could not handle activity event {EventName}")]
    private partial void LogEventFailed(Exception exception, string eventName);

    [LoggerMessage(LogLevel.Warning, "Console activity stream error")]
    private partial void LogStreamError(Exception exception);

    [LoggerMessage(LogLevel.Debug, "Console could not unsubscribe from the activity stream")]
    private partial void LogUnsubscribeFailed(Exception exception);
}
