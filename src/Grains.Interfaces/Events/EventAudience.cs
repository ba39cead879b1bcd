namespace Orleans.AgentChannel.Events;

/// <summary>
/// What a live event is about: the agent who joined or left, or the memory key. The agent's grain routes live
/// events to its connections by it; it is taken off before an event leaves the cluster.
/// </summary>
[GenerateSerializer, Alias("event-audience")]
public sealed record EventAudience(
    [property: Id(0)] string Subject);
