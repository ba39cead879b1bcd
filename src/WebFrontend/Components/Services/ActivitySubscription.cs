using Orleans.AgentChannel.Events;
using Orleans.Streams;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>One observer on every shard of the activity stream (the operator's side of the cluster).</summary>
public sealed class ActivitySubscription
{
    private readonly IReadOnlyList<StreamSubscriptionHandle<AgentEvent>> _handles;

    private ActivitySubscription(IReadOnlyList<StreamSubscriptionHandle<AgentEvent>> handles) => _handles = handles;

    public static async Task<ActivitySubscription> Start(IClusterClient cluster, IAsyncObserver<AgentEvent> observer)
    {
        var provider = cluster.GetStreamProvider(AgentChannelStreams.ProviderName);
        var handles = await Task.WhenAll(AgentChannelStreams.Activity.Select(shard => provider.GetStream<AgentEvent>(shard).SubscribeAsync(observer)));
        return new ActivitySubscription(handles);
    }

    public Task Stop() => Task.WhenAll(_handles.Select(handle => handle.UnsubscribeAsync()));
}
