using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>The task engine (<c>AgentChannel:Tasks</c>).</summary>
public sealed class TaskOptions
{
    public const string Section = "AgentChannel:Tasks";

    /// <summary>Tasks the engine (or a claim) gives one agent at a time.</summary>
    [Range(1, 10_000)] public int MaxActivePerAgent { get; set; } = 4;

    /// <summary>How long an assignment holds without a heartbeat or progress from the assignee.</summary>
    [Range(0.2, 86_400)] public double LeaseSeconds { get; set; } = 120;

    /// <summary>Releases (agent gone, lease expired) after which a task fails instead of queueing again.</summary>
    [Range(1, 1000)] public int MaxAttempts { get; set; } = 3;

    public DependencyFailurePolicy DependencyFailure { get; set; } = DependencyFailurePolicy.Block;

    /// <summary>How often a queue with waiting tasks looks again for free, capable agents.</summary>
    [Range(10, 60_000)] public int DispatchIntervalMilliseconds { get; set; } = 500;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}
