using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// A ready task and who could take it now.
/// </summary>
/// <param name="Task">The task as it is now (status pending).</param>
/// <param name="Pool">The capabilities the task requires (the engine's queue for it), sorted.</param>
/// <param name="Candidates">Online agents with every required capability that have a free slot, least loaded first.</param>
public sealed record AssignmentRequest(TaskInfo Task, IReadOnlyList<string> Pool, IReadOnlyList<AgentListing> Candidates);
