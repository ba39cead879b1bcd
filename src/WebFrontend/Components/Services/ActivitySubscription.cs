using Orleans.AgentChannel.Events;
using Orleans.Streams;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>One observer on every shard of the activity stream (the operator's side of the cluster).</summary>
public sealed partial class ActivitySubscription
{
    private readonly IReadOnlyList<StreamSubscriptionHandle<AgentEvent>> _handles;

    private ActivitySubscription(IReadOnlyList<StreamSubscriptionHandle<AgentEvent>> handles) => _handles = handles;

    /// <summary>
    /// Subscribes <paramref name="handle"/> to every shard. An event it cannot handle, and a stream error, are logged
    /// on <paramref name="logger"/> (the consumer's category) and the subscription goes on: one bad event must not end it.
    /// </summary>
    public static async Task<ActivitySubscription> Start(IClusterClient cluster, Action<AgentEvent> handle, ILogger logger)
    {
        var observer = new Observer(handle, logger);
        var provider = cluster.GetStreamProvider(AgentChannelStreams.ProviderName);
        var handles = await Task.WhenAll(AgentChannelStreams.Activity.Select(shard => provider.GetStream<AgentEvent>(shard).SubscribeAsync(observer)));
        return new ActivitySubscription(handles);
    }

    public Task Stop() => Task.WhenAll(_handles.Select(handle => handle.UnsubscribeAsync()));

    private sealed class Observer(Action<AgentEvent> handle, ILogger logger) : IAsyncObserver<AgentEvent>
    {
        public Task OnNextAsync(AgentEvent item, StreamSequenceToken? token = null)
        {
            try
            {
                handle(item);
            }
            catch (Exception exception)
            {
                LogEventFailed(logger, exception, item.Event);
            }
            return Task.CompletedTask;
        }

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex)
        {
            LogStreamError(logger, ex);
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not handle activity event {EventName}")]
    private static partial void LogEventFailed(ILogger logger, Exception exception, string eventName);

    [LoggerMessage(LogLevel.Warning, "Activity stream error")]
    private static partial void LogStreamError(ILogger logger, Exception exception);
}
