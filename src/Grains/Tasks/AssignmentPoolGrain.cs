using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The engine's queue for tasks that need one set of capabilities. Waiting tasks are handed out by priority
/// then age to online agents that have the capabilities, in the order the assignment strategy gives (built in:
/// least loaded first; plugins may choose otherwise, among those same agents); an agent's grain grants the slot
/// (so its limit holds across every queue), and the task's grain has the last word (so a task claimed or
/// cancelled meanwhile is simply dropped). The queue lives in memory: tasks re-enqueue themselves when they
/// activate, and a restart wakes every waiting task. A task that would start waiting while nothing waits ahead of it
/// asks first (<see cref="AssignAtOnce"/>), so it is stored once, already assigned, instead of queued and then offered.
/// </summary>
/// <remarks>
/// Reentrant, with one dispatch running at a time: an enqueue only records the task and asks for a pass, so
/// tasks arriving while offers are out never wait in the grain's mailbox (a long mailbox costs Orleans a scan
/// of it per request). A pass reserves agents' slots in queue order, one task after the other (a cheap call),
/// and sends each offer (a stored change of the task) as soon as its slot is held, stamped with the time of the
/// reservation, so tasks are still handed out in queue order; the next pass starts once this pass's offers are
/// answered.
/// </remarks>
[Reentrant]
public sealed partial class AssignmentPoolGrain(
    IAgentIndex agents,
    AssignmentChooser chooser,
    IOptions<TaskOptions> options,
    TimeProvider clock,
    ILogger<AssignmentPoolGrain> logger) : Grain, IAssignmentPoolGrain
{
    /// <summary>Most offers one pass makes; a longer queue takes further passes.</summary>
    private const int MaxOffersPerPass = 64;

    private readonly SortedSet<(int Priority, DateTimeOffset CreatedAt, Guid TaskId)> _queue = [];
    private readonly Dictionary<Guid, (int Priority, DateTimeOffset CreatedAt, Guid TaskId)> _entries = [];

    /// <summary>Queued tasks whose offer is out: they hold a slot already, so they do not wait ahead of a new task.</summary>
    private readonly HashSet<Guid> _offering = [];

    /// <summary>
    /// How long <see cref="AssignAtOnce"/> chooses from the candidates it last read, counting the slots it reserved since:
    /// read for every new task, the listing (every capable agent's document) cost more than the write it saves.
    /// </summary>
    private static readonly TimeSpan AtOnceCandidatesFor = TimeSpan.FromMilliseconds(100);

    /// <summary>The best candidates <see cref="AssignAtOnce"/> reads when no plugin strategy needs to see them all.</summary>
    private const int AtOnceCandidateLimit = 16;

    private IReadOnlyList<AgentListing> _atOnceCandidates = [];
    private DateTimeOffset _atOnceReadAt = DateTimeOffset.MinValue;
    private readonly Dictionary<string, int> _atOnceReserved = new(StringComparer.OrdinalIgnoreCase);
    private IReadOnlyList<string> _capabilities = [];
    private IGrainTimer? _retry;
    private bool _dispatching;
    private bool _passWanted;
    private DateTimeOffset _lastDecision;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _capabilities = TaskRequirements.FromPoolKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task Enqueue(Guid taskId, int priority, DateTimeOffset createdAt)
    {
        if (_entries.Remove(taskId, out var previous))
        {
            _queue.Remove(previous);
        }
        var entry = (priority, createdAt, taskId);
        _entries[taskId] = entry;
        _queue.Add(entry);
        return Dispatch();
    }

    public Task SlotFreed() => _queue.Count > 0 ? Dispatch() : Task.CompletedTask;

    public async Task<string?> AssignAtOnce(TaskInfo task)
    {
        if (_queue.Count > _offering.Count)
        {
            return null;
        }
        var maxActive = options.Value.MaxActivePerAgent;
        if (clock.GetUtcNow() - _atOnceReadAt > AtOnceCandidatesFor)
        {
            _atOnceCandidates = await agents.Candidates(_capabilities, maxActive, chooser.ConsultsPlugins ? null : AtOnceCandidateLimit);
            _atOnceReadAt = clock.GetUtcNow();
            _atOnceReserved.Clear();
        }
        // A listing read a moment ago, with the slots reserved since counted in so that the least loaded still goes
        // first; counted in to rank, never to rule an agent out: slots given back since are not counted out, and the
        // agents' grains have the last word on slots (ReserveSlot), as the task has on the agent's presence (MayBeOffered).
        var free = AssignmentPolicy.Rank(
            _atOnceCandidates.Select(candidate => candidate with
            {
                ActiveTaskCount = Math.Min(candidate.ActiveTaskCount + _atOnceReserved.GetValueOrDefault(candidate.Name), maxActive - 1),
            }),
            _capabilities, maxActive);
        if (free.Count == 0)
        {
            return null;
        }
        var (chosen, _) = await chooser.Choose(() => Task.FromResult(task), _capabilities, free);
        var agent = await ReserveFirstFree(task.Id, chosen);
        if (agent is not null)
        {
            _atOnceReserved[agent] = _atOnceReserved.GetValueOrDefault(agent) + 1;
        }
        return agent;
    }

    /// <summary>Runs passes until one finds nothing new to do; asked again meanwhile, the running dispatch makes another pass.</summary>
    private async Task Dispatch()
    {
        if (_dispatching)
        {
            _passWanted = true;
            return;
        }
        _dispatching = true;
        try
        {
            do
            {
                _passWanted = false;
                await Pass();
            }
            while (_passWanted && _queue.Count > 0);
        }
        catch (Exception exception)
        {
            LogDispatchFailed(exception, this.GetPrimaryKeyString());
        }
        finally
        {
            _dispatching = false;
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
    /// Reserves, in queue order, a slot for each waiting task while the candidates have room (counting the slots
    /// this pass already took), offering each task its agent as soon as the slot is held.
    /// </summary>
    private async Task Pass()
    {
        var candidates = await agents.Candidates(_capabilities, options.Value.MaxActivePerAgent);
        var planned = candidates.ToDictionary(candidate => candidate.Name, candidate => candidate.ActiveTaskCount, StringComparer.OrdinalIgnoreCase);
        var offers = new List<Task<((int, DateTimeOffset, Guid) Entry, EngineOffer Outcome)>>();
        // In queue order; a task a plugin strategy holds back does not hold back the tasks behind it.
        foreach (var next in _queue.ToList())
        {
            if (offers.Count == MaxOffersPerPass)
            {
                _passWanted = true;
                break;
            }
            var free = AssignmentPolicy.Rank(
                candidates.Select(candidate => candidate with { ActiveTaskCount = planned[candidate.Name] }),
                _capabilities, options.Value.MaxActivePerAgent);
            if (free.Count == 0)
            {
                break;
            }
            var task = GrainFactory.GetGrain<ITaskGrain>(next.TaskId);
            var (chosen, byPlugin) = await chooser.Choose(task.Get, _capabilities, free);
            if (await ReserveFirstFree(next.TaskId, chosen) is not { } agent)
            {
                if (byPlugin)
                {
                    continue;
                }
                // Nobody can take the most urgent task now; the ones behind it need the same agents.
                break;
            }
            planned[agent]++;
            _offering.Add(next.TaskId);
            offers.Add(Offer(next, task, agent, Decided()));
        }
        foreach (var (entry, outcome) in await Task.WhenAll(offers))
        {
            if (outcome != EngineOffer.Refused)
            {
                Remove(entry);
            }
        }
    }

    /// <summary>A decision time later than the one before, so decisions made in one pass keep their order.</summary>
    private DateTimeOffset Decided()
    {
        var now = clock.GetUtcNow();
        _lastDecision = now > _lastDecision ? now : _lastDecision.AddTicks(1);
        return _lastDecision;
    }

    /// <summary>The first of the chosen agents whose grain grants the task a slot, if any does.</summary>
    private async Task<string?> ReserveFirstFree(Guid taskId, IReadOnlyList<AgentListing> chosen)
    {
        foreach (var candidate in chosen)
        {
            if (await GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(candidate.Name)).ReserveSlot(taskId, force: false))
            {
                return candidate.Name;
            }
        }
        return null;
    }

    /// <summary>Offers the task to the agent whose slot it holds; the task gives the slot back unless it takes it.</summary>
    private async Task<((int, DateTimeOffset, Guid) Entry, EngineOffer Outcome)> Offer(
        (int, DateTimeOffset, Guid TaskId) entry, ITaskGrain task, string agent, DateTimeOffset decidedAt)
    {
        try
        {
            return (entry, await task.Offer(agent, this.GetPrimaryKeyString(), decidedAt));
        }
        finally
        {
            _offering.Remove(entry.TaskId);
        }
    }

    /// <summary>Takes the task out, unless it was queued again (say, with a new priority) while its offer was out.</summary>
    private void Remove((int Priority, DateTimeOffset CreatedAt, Guid TaskId) entry)
    {
        if (_entries.TryGetValue(entry.TaskId, out var current) && current == entry)
        {
            _queue.Remove(entry);
            _entries.Remove(entry.TaskId);
        }
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
