using System.Globalization;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>A duration in milliseconds as a person reads it: "850 ms", "12.5 s", "40 min", "1 h 15 min", "2 d 3 h".</summary>
public static class DurationText
{
    public static string Format(long milliseconds)
    {
        var time = TimeSpan.FromMilliseconds(milliseconds);
        return time switch
        {
            { TotalSeconds: < 1 } => $"{milliseconds} ms",
            { TotalMinutes: < 1 } => $"{time.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s",
            { TotalHours: < 1 } => time.Seconds == 0 ? $"{time.Minutes} min" : $"{time.Minutes} min {time.Seconds} s",
            { TotalDays: < 1 } => time.Minutes == 0 ? $"{time.Hours} h" : $"{time.Hours} h {time.Minutes} min",
            _ => time.Hours == 0 ? $"{(int)time.TotalDays} d" : $"{(int)time.TotalDays} d {time.Hours} h",
        };
    }

    /// <summary>"—" when nothing was measured.</summary>
    public static string Of(Stats.Durations durations, Func<Stats.Durations, long> pick) =>
        durations.Count == 0 ? "—" : Format(pick(durations));
}
