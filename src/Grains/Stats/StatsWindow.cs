using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Stats;

public static class StatsWindow
{
    public const long HourMs = 3_600_000;

    /// <summary>The start of the UTC hour holding <paramref name="ms"/>.</summary>
    public static long HourOf(long ms) => ms - (((ms % HourMs) + HourMs) % HourMs);

    /// <summary>The first hour boundary at or after <paramref name="ms"/>.</summary>
    public static long HourCeiling(long ms) => HourOf(ms) == ms ? ms : HourOf(ms) + HourMs;

    /// <summary>Messages stored together, counted per sender and hour: one counter update for each, not one per message.</summary>
    public static IEnumerable<(long HourMs, string SenderKey, long Sent)> SentPerHour(IEnumerable<MessageInfo> messages) =>
        messages.GroupBy(message => (Hour: HourOf(message.CreatedAt.ToUnixTimeMilliseconds()), Sender: AgentNames.Key(message.Sender)))
            .Select(group => (group.Key.Hour, group.Key.Sender, (long)group.Count()));
}
