using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Client;

/// <summary>An event this version of the SDK does not know, with its raw payload.</summary>
public sealed record UnknownEvent(string EventName, long? EventSeq, RawJson Data) : AgentChannelEvent(EventName, EventSeq);
