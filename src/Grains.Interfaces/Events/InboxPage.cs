namespace Orleans.AgentChannel.Events;

/// <summary>A page of an agent's inbox, in sequence order.</summary>
[GenerateSerializer, Immutable, Alias("inbox-page")]
public sealed record InboxPage(
    [property: Id(0)] IReadOnlyList<AgentEvent> Events,
    [property: Id(1)] bool HasMore);
