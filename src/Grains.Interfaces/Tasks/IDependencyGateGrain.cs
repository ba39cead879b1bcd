using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The one place where changes to the dependencies of existing tasks are checked for cycles, one at a time, so that
/// two updates that each close half of a cycle cannot both pass: a change is checked against the stored dependencies
/// and against the changes reserved and not yet released (stored, or given up). Called by task grains only.
/// </summary>
[Alias("dependency-gate")]
public interface IDependencyGateGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Reserves <paramref name="task"/>'s new <paramref name="dependsOn"/> unless a way from them leads back to the
    /// task (through stored dependencies or reserved ones); false when it would close a cycle. The caller releases the
    /// reservation once the change is stored or refused.
    /// </summary>
    [Alias("reserve")]
    Task<bool> Reserve(Guid task, IReadOnlyList<Guid> dependsOn);

    /// <summary>Ends <paramref name="task"/>'s reservation: its change is stored (the index has it now) or was given up.</summary>
    // One-way: a release that cannot be delivered must not fail the update that was stored (the reservation then lapses by itself).
    [OneWay, AlwaysInterleave, Alias("release")]
    Task Release(Guid task);
}
