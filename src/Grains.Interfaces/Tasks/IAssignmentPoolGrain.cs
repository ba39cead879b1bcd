using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The assignment engine's queue for one set of required capabilities: waiting tasks by priority then age,
/// handed to the least-loaded online agent that has the capabilities and a free slot. One grain per
/// capability set, so the engine is partitioned by what tasks need.
/// </summary>
[Alias("agentchannel.assignment-pool")]
public interface IAssignmentPoolGrain : IGrainWithStringKey
{
    // One-way: called by task grains, which the pool awaits (Offer) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("enqueue")]
    Task Enqueue(Guid taskId, int priority, DateTimeOffset createdAt);

    /// <summary>An agent that can serve this queue let go of a task: hand out what waits now, not at the next retry tick.</summary>
    // One-way: called by task grains, which the pool awaits (Offer) (the convention on calls between grains: docs/architecture.md, "Grains").
    [OneWay, Alias("slot-freed")]
    Task SlotFreed();

    /// <summary>
    /// A task about to be stored as waiting asks for an agent first: when no task waits ahead of it here and a candidate
    /// has room, that agent's slot is reserved for the task and its name returned, so the task is stored once, already
    /// assigned; null: the task waits in the queue as usual.
    /// </summary>
    // Awaited by a task grain: the pool is reentrant and never calls back the task that asks (it is given the task).
    [Alias("assign-at-once")]
    Task<string?> AssignAtOnce(TaskInfo task);
}
