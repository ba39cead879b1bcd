namespace Orleans.AgentChannel.Memory;

public static class MemoryWatchShards
{
    /// <summary>The index shard of a key or pattern: its first UTF-16 code unit (patterns are never empty).</summary>
    public static string Of(string keyOrPattern) => ((int)keyOrPattern[0]).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
}
