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
}
