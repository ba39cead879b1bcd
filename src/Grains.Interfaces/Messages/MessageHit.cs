namespace Orleans.AgentChannel.Messages;

/// <summary>
/// A message found by full-text search: <see cref="Rank"/> orders the hits of one answer (higher is more relevant;
/// not comparable between answers or engines); <see cref="Snippet"/> is a short excerpt of the content around the
/// first match, each matched word between <c>**</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("message-hit")]
public sealed record MessageHit(
    [property: Id(0)] MessageInfo Message,
    [property: Id(1)] double Rank,
    [property: Id(2)] string Snippet);
