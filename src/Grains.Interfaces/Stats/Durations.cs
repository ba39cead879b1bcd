namespace Orleans.AgentChannel.Stats;

/// <summary>
/// How long something took: how many there were, the nearest-rank 50th and 90th percentiles, the mean and the
/// longest, in milliseconds (all zero when there were none).
/// </summary>
[GenerateSerializer, Alias("stats-durations")]
public sealed record Durations(
    [property: Id(0)] int Count,
    [property: Id(1)] long P50Ms,
    [property: Id(2)] long P90Ms,
    [property: Id(3)] long MeanMs,
    [property: Id(4)] long MaxMs)
{
    public static readonly Durations None = new(0, 0, 0, 0, 0);
}
