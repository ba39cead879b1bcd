using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Reminders (<c>AgentChannel:Recovery</c>): the durable backstop for work whose clock lives in a grain's memory (a task's
/// lease or queue place, an agent's presence timeout, a memory key's expiry). When the silo holding such a grain dies, or
/// the server restarts, the grain's reminder wakes it on a live silo within one period.
/// </summary>
public sealed class RecoveryOptions
{
    public const string Section = "AgentChannel:Recovery";

    /// <summary>How often a reminder wakes its grain; the longest a duty of a dead silo waits to be taken up again.</summary>
    [Range(1, 86_400)]
    public double ReminderSeconds { get; set; } = 60;

    public TimeSpan ReminderPeriod => TimeSpan.FromSeconds(ReminderSeconds);
}
