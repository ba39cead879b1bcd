namespace Orleans.AgentChannel.Messages;

/// <summary>A page of search hits, most relevant first; <see cref="NextCursor"/> continues it.</summary>
[GenerateSerializer, Immutable, Alias("message-search-page")]
public sealed record MessageSearchPage(
    [property: Id(0)] IReadOnlyList<MessageHit> Items,
    [property: Id(1)] string? NextCursor);
