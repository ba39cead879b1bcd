namespace Orleans.AgentChannel.Events;

/// <summary>A memory key or key prefix that an agent watches.</summary>
[GenerateSerializer, Immutable, Alias("memory-watch")]
public sealed record MemoryWatch(
    [property: Id(0)] string Pattern,
    [property: Id(1)] bool IsPrefix)
{
    public bool Covers(string key) => IsPrefix ? key.StartsWith(Pattern, StringComparison.Ordinal) : key == Pattern;
}
