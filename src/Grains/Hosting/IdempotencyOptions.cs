using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Idempotency keys (<c>AgentChannel:Idempotency</c>): how long and how many a grain remembers.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "AgentChannel:Idempotency";

    /// <summary>How long a keyed write's answer is kept for repeats (at least; message and task ids stay derived from the key for good).</summary>
    [Range(0.001, 24 * 365)] public double WindowHours { get; set; } = 24;

    /// <summary>
    /// Keyed answers one entity (a task, a memory key, a channel) keeps within the window; the oldest go first. They are
    /// part of its grain state, so this bounds that state.
    /// </summary>
    [Range(1, 10_000)] public int MaxKeysPerEntity { get; set; } = 64;

    public TimeSpan Window => TimeSpan.FromHours(WindowHours);
}
