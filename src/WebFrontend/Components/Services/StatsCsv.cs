using System.Globalization;
using System.Text;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Stats;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>The Reports page's tables as CSV (RFC 4180), for a spreadsheet.</summary>
public static class StatsCsv
{
    public static readonly IReadOnlyList<string> Tables = ["agents", "hours", "slowest", "reassigned"];

    /// <summary>The named table of the report, or null when there is no such table.</summary>
    public static string? Write(StatsReport report, string table)
    {
        var csv = new StringBuilder();
        switch (table)
        {
            case "agents":
                Row(csv, ["agent", .. FigureHeaders]);
                foreach (var agent in report.ByAgent)
                {
                    Row(csv, [agent.Agent, .. Figures(agent.Figures)]);
                }
                break;
            case "hours":
                Row(csv, ["hour", .. FigureHeaders]);
                foreach (var hour in report.ByHour)
                {
                    Row(csv, [Time(hour.Hour), .. Figures(hour.Figures)]);
                }
                break;
            case "slowest" or "reassigned":
                Row(csv, ["id", "title", "status", "capabilities", "assignee", "created_at", "closed_at", "completion_ms", "reassignments"]);
                foreach (var task in table == "slowest" ? report.SlowestTasks : report.MostReassignedTasks)
                {
                    Row(csv, [task.Id.ToString(), task.Title, AgentChannelJson.WireName(task.Status), string.Join(' ', task.Capabilities),
                        task.Assignee ?? "", Time(task.CreatedAt), task.ClosedAt is { } closed ? Time(closed) : "",
                        task.CompletionMs?.ToString(CultureInfo.InvariantCulture) ?? "", Number(task.Reassignments)]);
                }
                break;
            default:
                return null;
        }
        return csv.ToString();
    }

    private static readonly string[] FigureHeaders =
    [
        "tasks_created", "tasks_completed", "tasks_failed", "tasks_cancelled", "reassignments",
        "completion_p50_ms", "completion_p90_ms", "queue_wait_p50_ms", "queue_wait_p90_ms",
        "messages_sent", "messages_received", "memory_writes",
    ];

    private static IEnumerable<string> Figures(StatsFigures f) =>
    [
        Number(f.TasksCreated), Number(f.TasksCompleted), Number(f.TasksFailed), Number(f.TasksCancelled), Number(f.Reassignments),
        Number(f.CompletionTime.P50Ms), Number(f.CompletionTime.P90Ms), Number(f.QueueWait.P50Ms), Number(f.QueueWait.P90Ms),
        Number(f.MessagesSent), Number(f.MessagesReceived), Number(f.MemoryWrites),
    ];

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static void Row(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.AppendJoin(',', fields.Select(Field));
        csv.Append("\r\n");
    }

    /// <summary>
    /// Quoted when it holds a comma, quote or line break; a leading = + - @ (a spreadsheet formula, from a
    /// task title an agent wrote) is defused with an apostrophe.
    /// </summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' && !long.TryParse(value, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
