using System.Globalization;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>Short relative times for people: "12 s ago", "3 min ago", "in 2 h".</summary>
public static class Ago
{
    public static string Format(DateTimeOffset at, DateTimeOffset now)
    {
        var elapsed = now - at;
        var future = elapsed < TimeSpan.Zero;
        var span = future ? -elapsed : elapsed;
        var amount = span switch
        {
            { TotalSeconds: < 1 } => null,
            { TotalMinutes: < 1 } => $"{(int)span.TotalSeconds} s",
            { TotalHours: < 1 } => $"{(int)span.TotalMinutes} min",
            { TotalDays: < 1 } => $"{(int)span.TotalHours} h",
            _ => $"{(int)span.TotalDays} d",
        };
        return amount is null ? "just now" : future ? $"in {amount}" : $"{amount} ago";
    }

    /// <summary>An absolute time for tooltips and detail views, in UTC so every operator reads the same.</summary>
    public static string Exact(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
