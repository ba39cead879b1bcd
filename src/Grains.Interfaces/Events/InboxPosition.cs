namespace Orleans.AgentChannel.Events;

/// <summary>Where an agent's inbox stands: the last sequence stored and the last one it acknowledged.</summary>
[GenerateSerializer, Immutable, Alias("inbox-position")]
public sealed record InboxPosition(
    [property: Id(0)] long LastSeq,
    [property: Id(1)] long AckedSeq);
