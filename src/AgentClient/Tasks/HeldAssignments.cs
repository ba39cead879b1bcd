using System.Collections.Concurrent;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client.Tasks;

/// <summary>
/// The assignment (fencing value) under which this agent got each task it holds, so that its updates and completions
/// carry it without the caller passing it: learned from task:assigned as it is dispatched (in inbox order, so a
/// handler still working on an old assignment completes under that one, and is refused) and from the answers to this
/// agent's own claims, creations and assignments; replaced when the task comes again; forgotten when task:lease_lost
/// for it or task:approved is dispatched and when this agent closes the task (not when its completion awaits approval: it may come back). A refusal keeps it: a retry is refused again. Kept in
/// memory only: after a restart, calls for tasks received before it go unfenced.
/// </summary>
internal sealed class HeldAssignments(Func<string> agentName)
{
    private readonly ConcurrentDictionary<Guid, Guid> _held = new();

    public Guid? Of(Guid taskId) => _held.TryGetValue(taskId, out var assignment) ? assignment : null;

    /// <summary>Before handlers see an event.</summary>
    public void Observe(AgentChannelEvent item)
    {
        switch (item)
        {
            case TaskAssignedEvent assigned:
                Learn(assigned.Task);
                break;
            case TaskLeaseLostEvent lost:
                Forget(lost.LeaseLost.TaskId, lost.LeaseLost.AssignmentId);
                break;
            case TaskStepEvent { Name: EventNames.TaskApproved, Task.Assignments: [.., var approved] } step:
                Forget(step.Task.Id, approved.Id);
                break;
        }
    }

    /// <summary>A task as one of this agent's calls returned it: remembered when it is now this agent's.</summary>
    public TaskInfo? Learn(TaskInfo? task)
    {
        if (task is { AssignmentId: { } assignment } && AgentNames.Equal(task.AssignedTo ?? "", agentName()))
        {
            _held[task.Id] = assignment;
        }
        return task;
    }

    public void Forget(Guid taskId, Guid? assignmentId)
    {
        if (assignmentId is { } id)
        {
            _held.TryRemove(KeyValuePair.Create(taskId, id));
        }
    }
}
