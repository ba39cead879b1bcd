using Orleans.AgentChannel.Json;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.AgentChannel.Events;

/// <summary>Publishing from grains onto the AgentChannel streams.</summary>
internal static class GrainStreams
{
    public static IAsyncStream<AgentEvent> Stream(this Grain grain, StreamId id) =>
        grain.GetStreamProvider(AgentChannelStreams.ProviderName).GetStream<AgentEvent>(id);

    /// <summary>Publishes on the activity stream (console, gateways). Streams are the fast path; nothing relies on them alone.</summary>
    public static Task PublishActivity<T>(this Grain grain, string eventName, T payload, EventAudience? audience = null) =>
        grain.Stream(AgentChannelStreams.Activity)
            .OnNextAsync(new AgentEvent(eventName, null, RawJson.Serialize(payload, AgentChannelJson.Options), audience));

    /// <summary>Events of one kind in one publish (one queue hop for all); subscribers still get them one by one, in order.</summary>
    public static Task PublishActivities<T>(this Grain grain, string eventName, IEnumerable<T> payloads) =>
        grain.Stream(AgentChannelStreams.Activity)
            .OnNextBatchAsync(payloads.Select(payload => new AgentEvent(eventName, null, RawJson.Serialize(payload, AgentChannelJson.Options))).ToList());
}
