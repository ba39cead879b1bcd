using Orleans.AgentChannel.Events;
using Orleans.Streams;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Implicitly subscribed to the activity stream (no pub-sub state to leak), it only queues each event for
/// the sinks: the stream never waits on a sink.
/// </summary>
[Orleans.ImplicitStreamSubscription("activity")]
public sealed class ActivitySinkGrain(EventSinkDispatcher dispatcher) : Grain, IActivitySinkGrain, Orleans.Streams.Core.IStreamSubscriptionObserver
{
    public async Task OnSubscribed(Orleans.Streams.Core.IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<AgentEvent>().ResumeAsync((published, _) =>
        {
            dispatcher.Publish(published);
            return Task.CompletedTask;
        });
}
