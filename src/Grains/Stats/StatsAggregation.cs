using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Stats;

/// <summary>Sums a window's rows into totals and slices (by hour, agent and capability set).</summary>
internal sealed class StatsAggregation(long fromMs, long toMs)
{
    private static readonly string CompletedStatus = AgentChannelJson.WireName(AgentTaskStatus.Completed);
    private static readonly string FailedStatus = AgentChannelJson.WireName(AgentTaskStatus.Failed);
    private static readonly string CancelledStatus = AgentChannelJson.WireName(AgentTaskStatus.Cancelled);

    private readonly Accumulator _totals = new();
    private readonly Accumulator[] _hours = [.. Enumerable.Range(0, (int)((toMs - fromMs) / StatsWindow.HourMs)).Select(_ => new Accumulator())];
    private readonly Dictionary<string, Accumulator> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Accumulator> _capabilities = new(StringComparer.Ordinal);

    public static bool IsCompleted(StatsTaskRow task) => task.Status == CompletedStatus && task.ClosedAt is not null;

    public void AddCreated(IEnumerable<StatsTaskRow> tasks)
    {
        foreach (var task in tasks)
        {
            foreach (var slice in Slices(task.CreatedAt, task.Creator, task.Capabilities))
            {
                slice.Created++;
                slice.Reassignments += Math.Max(0, task.Assignments - 1);
                if (task.FirstAssignedAt is { } assigned)
                {
                    slice.QueueWaits.Add(assigned - task.CreatedAt);
                }
            }
        }
    }

    public void AddClosed(IEnumerable<StatsTaskRow> tasks)
    {
        foreach (var task in tasks)
        {
            foreach (var slice in Slices(task.ClosedAt!.Value, task.Assignee, task.Capabilities))
            {
                if (IsCompleted(task))
                {
                    slice.Completed++;
                    slice.CompletionTimes.Add(task.ClosedAt!.Value - task.CreatedAt);
                }
                else if (task.Status == FailedStatus)
                {
                    slice.Failed++;
                }
                else if (task.Status == CancelledStatus)
                {
                    slice.Cancelled++;
                }
            }
        }
    }

    public void AddActivity(IEnumerable<StatsActivityRow> rows)
    {
        foreach (var row in rows)
        {
            foreach (var slice in Slices(row.Hour, row.Agent, capabilities: null))
            {
                slice.MessagesSent += row.MessagesSent;
                slice.MessagesReceived += row.MessagesReceived;
                slice.MemoryWrites += row.MemoryWrites;
            }
        }
    }

    public StatsFigures Totals() => _totals.Figures();

    public IReadOnlyList<HourStats> ByHour() =>
        [.. _hours.Select((hour, i) => new HourStats(DateTimeOffset.FromUnixTimeMilliseconds(fromMs + i * StatsWindow.HourMs), hour.Figures()))];

    /// <summary>Most completed first, then most messages sent, then by name.</summary>
    public IReadOnlyList<AgentStats> ByAgent() =>
        [.. _agents.Select(pair => new AgentStats(pair.Key, pair.Value.Figures()))
            .OrderByDescending(agent => agent.Figures.TasksCompleted).ThenByDescending(agent => agent.Figures.MessagesSent)
            .ThenBy(agent => agent.Agent, StringComparer.Ordinal)];

    /// <summary>Most created first, then by capability set.</summary>
    public IReadOnlyList<CapabilityStats> ByCapability() =>
        [.. _capabilities.OrderByDescending(pair => pair.Value.Created).ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new CapabilityStats(TaskRequirements.FromPoolKey(pair.Key), pair.Value.Figures()))];

    public static TaskStats Describe(StatsTaskRow task, IReadOnlyDictionary<long, StatsTaskName> names) => new(
        names[task.Row].Id, names[task.Row].Title,
        AgentChannelJson.ParseWireName<AgentTaskStatus>(task.Status, "status")!.Value,
        TaskRequirements.FromPoolKey(task.Capabilities), task.Assignee,
        DateTimeOffset.FromUnixTimeMilliseconds(task.CreatedAt),
        task.ClosedAt is { } closed ? DateTimeOffset.FromUnixTimeMilliseconds(closed) : null,
        IsCompleted(task) ? task.ClosedAt!.Value - task.CreatedAt : null,
        Math.Max(0, task.Assignments - 1));

    /// <summary>The slices one event counts in: the totals, its hour, its agent (if any) and its capability set (for tasks).</summary>
    private IEnumerable<Accumulator> Slices(long atMs, string? agent, string? capabilities)
    {
        yield return _totals;
        var hour = (int)((StatsWindow.HourOf(atMs) - fromMs) / StatsWindow.HourMs);
        if (hour >= 0 && hour < _hours.Length)
        {
            yield return _hours[hour];
        }
        if (agent is not null)
        {
            yield return Slice(_agents, agent);
        }
        if (capabilities is not null)
        {
            yield return Slice(_capabilities, capabilities);
        }
    }

    private static Accumulator Slice(Dictionary<string, Accumulator> slices, string key)
    {
        if (!slices.TryGetValue(key, out var slice))
        {
            slices[key] = slice = new Accumulator();
        }
        return slice;
    }

    private sealed class Accumulator
    {
        public int Created;
        public int Completed;
        public int Failed;
        public int Cancelled;
        public int Reassignments;
        public long MessagesSent;
        public long MessagesReceived;
        public long MemoryWrites;
        public readonly List<long> CompletionTimes = [];
        public readonly List<long> QueueWaits = [];

        public StatsFigures Figures() => new(
            Created, Completed, Failed, Cancelled, Reassignments, Summarise(CompletionTimes), Summarise(QueueWaits),
            MessagesSent, MessagesReceived, MemoryWrites);
    }

    /// <summary>Nearest-rank percentiles: the smallest value with at least p % of the values at or below it.</summary>
    internal static Durations Summarise(List<long> values)
    {
        if (values.Count == 0)
        {
            return Durations.None;
        }
        values.Sort();
        long Percentile(int p) => values[(p * values.Count + 99) / 100 - 1];
        return new Durations(values.Count, Percentile(50), Percentile(90), values.Sum() / values.Count, values[^1]);
    }
}
