namespace Orleans.AgentChannel.Memory;

/// <summary>
/// A memory key found by full-text search over keys and values: ranked as <see cref="Messages.MessageHit"/>; the
/// snippet is an excerpt of the value (JSON text) around the first match, or of the key when only the key matched.
/// </summary>
[GenerateSerializer, Immutable, Alias("memory-hit")]
public sealed record MemoryHit(
    [property: Id(0)] MemoryKeySummary Entry,
    [property: Id(1)] double Rank,
    [property: Id(2)] string Snippet);
