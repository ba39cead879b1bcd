using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Stats;

/// <summary>
/// A report from the store: the store reads the rows of the window by index; the figures are summed and
/// ranked here, once, so every storage engine gives the same numbers.
/// </summary>
public sealed class StatsReporter(IStatsStore store)
{
    /// <summary>The window used when the query leaves it open: the last day.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(1);

    /// <summary>The longest window one report covers (its hourly series stays a few hundred points).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    /// <summary>How many tasks the slowest and most re-assigned lists name.</summary>
    public const int TopTasks = 10;

    /// <summary>
    /// The earliest and latest times a window may name: the default window reaches a day back from its end, and
    /// the end is widened up to the next whole hour; both must stay within the calendar .NET can represent.
    /// </summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.MinValue + DefaultWindow;

    /// <inheritdoc cref="Earliest"/>
    public static readonly DateTimeOffset Latest = new(9999, 12, 31, 23, 0, 0, TimeSpan.Zero);

    public async Task<StatsReport> Report(StatsQuery query, DateTimeOffset now)
    {
        var to = WithinCalendar(query.To, "to") ?? now;
        var from = WithinCalendar(query.From, "from") ?? to - DefaultWindow;
        if (from >= to)
        {
            throw AgentChannelException.Invalid("from", "'from' must be before 'to'.");
        }
        var fromMs = StatsWindow.HourOf(from.ToUnixTimeMilliseconds());
        var toMs = StatsWindow.HourCeiling(to.ToUnixTimeMilliseconds());
        if (toMs - fromMs > (long)MaxWindow.TotalMilliseconds)
        {
            throw AgentChannelException.Invalid("to", $"A report covers at most {MaxWindow.TotalDays:0} days; narrow 'from' and 'to'.");
        }
        var agentKey = query.Agent is null ? null : AgentNames.Key(query.Agent);

        var created = store.TasksCreated(fromMs, toMs, agentKey);
        var closed = store.TasksClosed(fromMs, toMs, agentKey);
        var activity = store.Activity(fromMs, toMs, agentKey);
        await Task.WhenAll(created, closed, activity);

        var figures = new StatsAggregation(fromMs, toMs);
        figures.AddCreated(created.Result);
        figures.AddClosed(closed.Result);
        figures.AddActivity(activity.Result);

        var slowest = closed.Result.Where(StatsAggregation.IsCompleted)
            .OrderByDescending(task => task.ClosedAt!.Value - task.CreatedAt).ThenBy(task => task.Row)
            .Take(TopTasks).ToList();
        var reassigned = created.Result.Where(task => task.Assignments > 1)
            .OrderByDescending(task => task.Assignments).ThenBy(task => task.Row)
            .Take(TopTasks).ToList();
        var names = await store.Names([.. slowest.Concat(reassigned).Select(task => task.Row).Distinct()]);

        return new StatsReport(
            DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs), agentKey,
            figures.Totals(), figures.ByHour(), figures.ByAgent(), figures.ByCapability(),
            [.. slowest.Select(task => StatsAggregation.Describe(task, names))],
            [.. reassigned.Select(task => StatsAggregation.Describe(task, names))]);
    }

    private static DateTimeOffset? WithinCalendar(DateTimeOffset? time, string field) =>
        time is null || (time >= Earliest && time <= Latest)
            ? time
            : throw AgentChannelException.Invalid(field, $"'{field}' must be between {Earliest:yyyy-MM-ddTHH:mm:ssZ} and {Latest:yyyy-MM-ddTHH:mm:ssZ}.");
}
