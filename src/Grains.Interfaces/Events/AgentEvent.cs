using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// One event as agents receive it: its event name (docs/api.md), the per-agent inbox sequence when the event comes
/// from the durable inbox, and the payload as the same JSON the REST API returns. A live push carries the W3C
/// <c>traceparent</c> of the span that delivered it when tracing is on, so the receiver's send joins the sender's
/// trace (<see cref="AgentChannelTracing"/>); the inbox does not store it.
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-event")]
public sealed record AgentEvent(
    [property: Id(0)] string Event,
    [property: Id(1)] long? Seq,
    [property: Id(2)] RawJson Data,
    [property: Id(3)] EventAudience? Audience = null,
    [property: Id(4)] string? TraceParent = null);
