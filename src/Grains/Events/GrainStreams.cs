using Orleans.AgentChannel.Json;
using Orleans.Streams;

namespace Orleans.AgentChannel.Events;

/// <summary>Publishing from grains onto the AgentChannel streams.</summary>
internal static class GrainStreams
{
    public static IAsyncStream<AgentEvent> Stream(this Grain grain, StreamId id) =>
        grain.GetStreamProvider(AgentChannelStreams.ProviderName).GetStream<AgentEvent>(id);

    /// <summary>
    /// Publishes on the activity stream of <paramref name="entityKey"/> (the operator's side: console, metrics,
    /// event sinks). Agents never read it.
    /// </summary>
    public static Task PublishActivity<T>(this Grain grain, string entityKey, string eventName, T payload) =>
        grain.Stream(AgentChannelStreams.ActivityOf(entityKey))
            .OnNextAsync(new AgentEvent(eventName, null, RawJson.Serialize(payload, AgentChannelJson.Options)));

    /// <summary>
    /// Events of one kind, each on its entity's activity stream, one publish per stream (one queue hop for all
    /// of them); subscribers still get them one by one, in order.
    /// </summary>
    public static Task PublishActivities<T>(this Grain grain, string eventName, IEnumerable<T> payloads, Func<T, string> entityKey) =>
        Task.WhenAll(payloads
            .GroupBy(payload => AgentChannelStreams.ActivityOf(entityKey(payload)))
            .Select(shard => grain.Stream(shard.Key).OnNextBatchAsync(
                shard.Select(payload => new AgentEvent(eventName, null, RawJson.Serialize(payload, AgentChannelJson.Options))).ToList())));
}
