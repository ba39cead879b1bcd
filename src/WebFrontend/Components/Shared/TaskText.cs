using System.Globalization;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

public static class TaskText
{
    /// <summary>Due dates in UTC to the minute: what the operator typed and what agents were given.</summary>
    public static string Due(DateTimeOffset due) => due.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Reads an &lt;input type="datetime-local"&gt; value as UTC (the form says so).</summary>
    public static DateTimeOffset? ParseDue(string? value) =>
        DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var due)
            ? new DateTimeOffset(due, TimeSpan.Zero)
            : null;

    /// <summary>"research, analysis" → ["research", "analysis"].</summary>
    public static IReadOnlyList<string> SplitList(string? value) =>
        (value ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
}
