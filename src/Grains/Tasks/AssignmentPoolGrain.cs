using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The engine's queue for tasks that need one set of capabilities. Waiting tasks are handed out by priority
/// then age to online agents that have the capabilities, in the order the assignment strategy gives (built in:
/// least loaded first; plugins may choose otherwise, among those same agents); an agent's grain grants the slot
/// (so its limit holds across every queue), and the task's grain has the last word (so a task claimed or
/// cancelled meanwhile is simply dropped). The queue lives in memory: tasks re-enqueue themselves when they
/// activate, and a restart wakes every waiting task.
/// </summary>
public sealed partial class AssignmentPoolGrain(
    IAgentIndex agents,
    AssignmentChooser chooser,
    IOptions<TaskOptions> options,
    ILogger<AssignmentPoolGrain> logger) : Grain, IAssignmentPoolGrain
{
    private readonly SortedSet<(int Priority, DateTimeOffset CreatedAt, Guid TaskId)> _queue = [];
    private readonly Dictionary<Guid, (int Priority, DateTimeOffset CreatedAt, Guid TaskId)> _entries = [];
    private IReadOnlyList<string> _capabilities = [];
    private IGrainTimer? _retry;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _capabilities = TaskRequirements.FromPoolKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task Enqueue(Guid taskId, int priority, DateTimeOffset createdAt)
    {
        if (_entries.Remove(taskId, out var previous))
        {
            _queue.Remove(previous);
        }
        var entry = (priority, createdAt, taskId);
        _entries[taskId] = entry;
        _queue.Add(entry);
        await Dispatch();
    }

    public Task SlotFreed() => _queue.Count > 0 ? Dispatch() : Task.CompletedTask;

    private async Task Dispatch()
    {
        try
        {
            // In queue order; a task a plugin strategy holds back does not hold back the tasks behind it.
            foreach (var next in _queue.ToList())
            {
                var (outcome, byPlugin) = await OfferToBestAgent(next.TaskId);
                if (outcome != EngineOffer.Refused)
                {
                    Remove(next);
                }
                else if (!byPlugin)
                {
                    // Nobody can take the most urgent task now; the ones behind it need the same agents.
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            LogDispatchFailed(exception, this.GetPrimaryKeyString());
        }
        if (_queue.Count > 0)
        {
            WaitForAgents();
        }
        else
        {
            _retry?.Dispose();
            _retry = null;
        }
    }

    /// <summary>
    /// Assigned or NotWaiting when the task left the queue; Refused when no agent could take it now. ByPlugin
    /// says a plugin strategy, not the built-in one, chose whom to offer it to.
    /// </summary>
    private async Task<(EngineOffer Outcome, bool ByPlugin)> OfferToBestAgent(Guid taskId)
    {
        var task = GrainFactory.GetGrain<ITaskGrain>(taskId);
        var candidates = await agents.Candidates(_capabilities);
        var (chosen, byPlugin) = await chooser.Choose(task.Get, _capabilities, candidates);
        foreach (var candidate in chosen)
        {
            var agent = GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(candidate.Name));
            if (!await agent.ReserveSlot(taskId, force: false))
            {
                continue;
            }
            var outcome = await task.Offer(candidate.Name, this.GetPrimaryKeyString());
            if (outcome != EngineOffer.Refused)
            {
                return (outcome, byPlugin);
            }
        }
        return (EngineOffer.Refused, byPlugin);
    }

    private void Remove((int Priority, DateTimeOffset CreatedAt, Guid TaskId) entry)
    {
        _queue.Remove(entry);
        _entries.Remove(entry.TaskId);
    }

    /// <summary>While tasks wait, look again now and then: agents come online and finish work.</summary>
    private void WaitForAgents()
    {
        if (_retry is not null)
        {
            return;
        }
        var period = TimeSpan.FromMilliseconds(options.Value.DispatchIntervalMilliseconds);
        _retry = this.RegisterGrainTimer(_ => Dispatch(), new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    [LoggerMessage(LogLevel.Warning, "Dispatching queue {Pool} failed; it tries again shortly")]
    private partial void LogDispatchFailed(Exception exception, string pool);
}
