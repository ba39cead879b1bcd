using Orleans.AgentChannel.Stats;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>The Reports page's window choices and its one call: the same report GET /api/stats gives.</summary>
public sealed class ReportOperations(IGrainFactory grains, TimeProvider time)
{
    /// <summary>The windows the page offers, each ending now.</summary>
    public static readonly IReadOnlyList<(string Key, string Label, TimeSpan Length)> Windows =
    [
        ("6h", "Last 6 hours", TimeSpan.FromHours(6)),
        ("24h", "Last 24 hours", TimeSpan.FromDays(1)),
        ("7d", "Last 7 days", TimeSpan.FromDays(7)),
        ("31d", "Last 31 days", StatsReporter.MaxWindow),
    ];

    public const string DefaultWindow = "24h";

    public Task<StatsReport> Report(string windowKey)
    {
        var length = Windows.FirstOrDefault(window => window.Key == windowKey).Length;
        var now = time.GetUtcNow();
        return grains.GetGrain<IStatsGrain>(0).Report(new StatsQuery(now - (length == default ? TimeSpan.FromDays(1) : length), now));
    }
}
