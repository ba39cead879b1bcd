using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>A cluster of its own with a quick engine, so the engine only sees these tests' work.</summary>
public class EngineClusterFixture : ClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["AgentChannel:Tasks:MaxActivePerAgent"] = "2",
        ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
    };
}

/// <summary>
/// As <see cref="EngineClusterFixture"/>, with one-second leases on a clock the tests move. Leases run out when a
/// test says so, not when a loaded machine stalls a heartbeat for a second; the engine's timers still tick in real time.
/// </summary>
public sealed class ShortLeaseClusterFixture : EngineClusterFixture
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    public SetClock Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["AgentChannel:Tasks:LeaseSeconds"] = Lease.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
    };

    /// <summary>Moves the clock past every lease granted so far.</summary>
    public void LetLeasesRunOut() => Clock.Now += Lease + Lease;

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public abstract class EngineTestsBase(ClusterFixture fixture)
{
    protected ClusterFixture Fixture => fixture;

    protected ITaskGrain Task(Guid id) => fixture.Grains.GetGrain<ITaskGrain>(id);

    protected ITaskDirectoryGrain Directory => fixture.Grains.GetGrain<ITaskDirectoryGrain>(0);

    protected static RawJson Needs(params string[] capabilities) =>
        RawJson.Serialize(new { capabilities }, AgentChannelJson.Options);

    protected static string UniqueCapability(string name) => $"{name}-{Guid.NewGuid():N}";

    protected async Task<TaskInfo> Create(Caller creator, NewTask task)
    {
        var id = Guid.NewGuid();
        return await Task(id).Create(creator, task);
    }

    protected async Task<TaskInfo> WaitFor(Guid id, Func<TaskInfo, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var task = await Task(id).Get();
            if (condition(task))
            {
                return task;
            }
            (DateTime.UtcNow < deadline).ShouldBeTrue($"timed out waiting for {what}; task is {task.Status}");
            await System.Threading.Tasks.Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}

public sealed class EngineTests(EngineClusterFixture fixture) : EngineTestsBase(fixture), IClassFixture<EngineClusterFixture>
{
    [Fact]
    public async Task A_chain_runs_in_order_and_a_cycle_is_refused()
    {
        var skill = UniqueCapability("chain");
        var (_, _, creator) = await fixture.RegisterAgent("chainer");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("chain-worker", skill);

        var a = await Create(creator, new NewTask("A", Requirements: Needs(skill)));
        var b = await Create(creator, new NewTask("B", Requirements: Needs(skill), DependsOn: [a.Id]));
        var c = await Create(creator, new NewTask("C", Requirements: Needs(skill), DependsOn: [b.Id]));
        b.Status.ShouldBe(AgentTaskStatus.Blocked);
        c.Status.ShouldBe(AgentTaskStatus.Blocked);
        b.StatusReason.ShouldNotBeNull();

        var nobody = Needs(UniqueCapability("nobody"));
        var x = await Create(creator, new NewTask("X", Requirements: nobody));
        var y = await Create(creator, new NewTask("Y", Requirements: nobody, DependsOn: [x.Id]));
        var z = await Create(creator, new NewTask("Z", Requirements: nobody, DependsOn: [y.Id]));
        var cycle = await Should.ThrowAsync<AgentChannelException>(() => Task(x.Id).Update(creator, new TaskUpdate(DependsOn: [z.Id])));
        cycle.Field.ShouldBe("depends_on");
        (await Task(x.Id).Get()).DependsOn.ShouldBeEmpty();
        (await Should.ThrowAsync<AgentChannelException>(() =>
            Create(creator, new NewTask("D", DependsOn: [Guid.NewGuid()])))).Field.ShouldBe("depends_on");

        await WaitFor(a.Id, t => t.Status == AgentTaskStatus.Assigned && t.AssignedTo == worker.Name, "A to be assigned");
        (await Task(b.Id).Get()).Status.ShouldBe(AgentTaskStatus.Blocked);
        await Task(a.Id).Complete(workerCaller, null);

        await WaitFor(b.Id, t => t.Status == AgentTaskStatus.Assigned, "B to be assigned after A completed");
        (await Task(c.Id).Get()).Status.ShouldBe(AgentTaskStatus.Blocked);
        await Task(b.Id).Complete(workerCaller, null);

        var doneC = await WaitFor(c.Id, t => t.Status == AgentTaskStatus.Assigned, "C to be assigned after B completed");
        var assignedB = (await Task(b.Id).Get()).Assignments.Single();
        var completedA = (await Task(a.Id).Get()).Assignments.Single();
        assignedB.AssignedAt.ShouldBeGreaterThanOrEqualTo(completedA.CompletedAt!.Value);
        doneC.Assignments.Single().AssignedAt.ShouldBeGreaterThanOrEqualTo(assignedB.CompletedAt!.Value);
    }

    [Fact]
    public async Task A_failed_dependency_leaves_its_dependent_blocked_with_the_reason()
    {
        var skill = UniqueCapability("fails");
        var (_, _, creator) = await fixture.RegisterAgent("fail-creator");
        var (_, _, workerCaller) = await fixture.RegisterAgent("fail-worker", skill);
        var first = await Create(creator, new NewTask("first", Requirements: Needs(skill)));
        var second = await Create(creator, new NewTask("second", Requirements: Needs(skill), DependsOn: [first.Id]));
        await WaitFor(first.Id, t => t.Status == AgentTaskStatus.Assigned, "first to be assigned");

        await Task(first.Id).Update(workerCaller, new TaskUpdate(Status: AgentTaskStatus.Failed));

        var blocked = await WaitFor(second.Id, t => t.StatusReason?.Contains("failed", StringComparison.Ordinal) == true, "the dependent to name the failure");
        blocked.Status.ShouldBe(AgentTaskStatus.Blocked);
    }

    [Fact]
    public async Task A_thousand_tasks_go_only_to_capable_agents_most_urgent_first_within_each_agents_limit()
    {
        var basic = UniqueCapability("basic");
        var extra = UniqueCapability("extra");
        var (creatorInfo, _, creator) = await fixture.RegisterAgent("bulk-creator");
        var agents = new List<(AgentInfo Info, Caller Caller)>();
        for (var i = 0; i < 20; i++)
        {
            var (info, _, caller) = await fixture.RegisterAgent($"bulk{i}", i < 10 ? [basic] : [basic, extra]);
            // Busy agents get no engine work: the queue fills first, so ordering is visible.
            await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(info.Name)).SetStatus(caller, AgentStatus.Busy);
            agents.Add((info, caller));
        }
        var random = new Random(42);
        var created = new List<TaskInfo>();
        for (var i = 0; i < 1000; i++)
        {
            var needs = i % 3 == 0 ? Needs(basic, extra) : Needs(basic);
            created.Add(await Create(creator, new NewTask($"t{i}", Priority: random.Next(1, 6), Requirements: needs)));
        }
        created.ShouldAllBe(t => t.Status == AgentTaskStatus.Pending);

        foreach (var (info, caller) in agents)
        {
            await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(info.Name)).SetStatus(caller, AgentStatus.Online);
        }
        var callers = agents.ToDictionary(a => a.Info.Name, a => a.Caller);
        var completed = 0;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var lastHeartbeat = DateTime.UtcNow;
        while (completed < 1000)
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue($"only {completed} of 1000 tasks completed");
            if (DateTime.UtcNow - lastHeartbeat > TimeSpan.FromSeconds(5))
            {
                // A loaded machine can take longer than the presence timeout (30 s): agents that stopped beating
                // would go offline and their tasks back to the queue between this list and the completion.
                foreach (var (info, caller) in agents)
                {
                    await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(info.Name)).Heartbeat(caller, null);
                }
                lastHeartbeat = DateTime.UtcNow;
            }
            var held = await Directory.List(new TaskQuery(Status: AgentTaskStatus.Assigned, Creator: creatorInfo.Name, Limit: 500));
            foreach (var task in held.Items)
            {
                await Task(task.Id).Complete(callers[task.AssignedTo!], null);
                completed++;
            }
            if (held.Items.Count == 0)
            {
                await System.Threading.Tasks.Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }

        var finished = await System.Threading.Tasks.Task.WhenAll(created.Select(t => Task(t.Id).Get()));
        finished.ShouldAllBe(t => t.Status == AgentTaskStatus.Completed && t.Assignments.Count == 1);
        var capabilities = agents.ToDictionary(a => a.Info.Name, a => a.Info.Capabilities);
        foreach (var task in finished)
        {
            TaskRequirements.IsCapable(TaskRequirements.Capabilities(task.Requirements), capabilities[task.AssignedTo!]).ShouldBeTrue();
        }
        foreach (var pool in finished.GroupBy(t => TaskRequirements.PoolKey(TaskRequirements.Capabilities(t.Requirements))))
        {
            var inAssignmentOrder = pool.OrderBy(t => t.Assignments[0].AssignedAt).ToList();
            inAssignmentOrder.Select(t => (t.Priority, t.CreatedAt)).ShouldBe(
                inAssignmentOrder.Select(t => (t.Priority, t.CreatedAt)).Order(), "each queue hands out by priority, then age");
        }
        foreach (var agentTasks in finished.GroupBy(t => t.AssignedTo!))
        {
            var intervals = agentTasks.Select(t => (Start: t.Assignments[0].AssignedAt, End: t.Assignments[0].CompletedAt!.Value)).ToList();
            foreach (var (start, _) in intervals)
            {
                intervals.Count(other => other.Start <= start && other.End > start).ShouldBeLessThanOrEqualTo(2, $"{agentTasks.Key} held too many at {start:O}");
            }
        }
    }

    [Fact]
    public async Task Concurrent_claims_never_hand_one_task_to_two_agents()
    {
        var skill = UniqueCapability("claim");
        var (_, _, creator) = await fixture.RegisterAgent("claim-creator");
        var claimers = new List<Caller>();
        for (var i = 0; i < 30; i++)
        {
            var (info, _, caller) = await fixture.RegisterAgent($"claimer{i}", skill);
            await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(info.Name)).SetStatus(caller, AgentStatus.Busy);
            claimers.Add(caller);
        }
        var ids = new List<Guid>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add((await Create(creator, new NewTask($"c{i}", Requirements: Needs(skill)))).Id);
        }
        var claimedBy = new System.Collections.Concurrent.ConcurrentBag<(Guid Task, string Agent)>();

        await System.Threading.Tasks.Task.WhenAll(claimers.Select(async caller =>
        {
            while (await Directory.Claim(caller) is { } task)
            {
                claimedBy.Add((task.Id, caller.Name));
                await Task(task.Id).Complete(caller, null);
            }
        }));

        claimedBy.Count.ShouldBe(200);
        claimedBy.Select(c => c.Task).Distinct().Count().ShouldBe(200);
        var finished = await System.Threading.Tasks.Task.WhenAll(ids.Select(id => Task(id).Get()));
        finished.ShouldAllBe(t => t.Status == AgentTaskStatus.Completed && t.Assignments.Count == 1);
    }

    [Fact]
    public async Task Explicit_assignment_checks_capabilities_and_presence_unless_the_operator_forces_it()
    {
        var skill = UniqueCapability("explicit");
        var (_, _, creator) = await fixture.RegisterAgent("explicit-creator");
        var (unskilled, _, _) = await fixture.RegisterAgent("unskilled");
        var (away, _, awayCaller) = await fixture.RegisterAgent("away", skill);
        await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(away.Name)).SetStatus(awayCaller, AgentStatus.Offline);

        (await Should.ThrowAsync<AgentChannelException>(() => Create(creator, new NewTask("x", Requirements: Needs(skill), AssignTo: unskilled.Name))))
            .Code.ShouldBe(ErrorKind.Conflict);
        (await Should.ThrowAsync<AgentChannelException>(() => Create(creator, new NewTask("x", Requirements: Needs(skill), AssignTo: away.Name))))
            .Code.ShouldBe(ErrorKind.Conflict);
        (await Should.ThrowAsync<AgentChannelException>(() => Create(creator, new NewTask("x", AssignTo: away.Name, Force: true))))
            .Code.ShouldBe(ErrorKind.Forbidden);
        (await Create(Caller.Operator, new NewTask("x", Requirements: Needs(skill), AssignTo: away.Name, Force: true))).AssignedTo.ShouldBe(away.Name);
    }

    [Fact]
    public async Task A_waiting_task_whose_requirements_change_moves_to_the_queue_that_can_serve_it()
    {
        var impossible = UniqueCapability("impossible");
        var possible = UniqueCapability("possible");
        var (_, _, creator) = await fixture.RegisterAgent("requeue-creator");
        var (worker, _, _) = await fixture.RegisterAgent("requeue-worker", possible);
        var stuck = await Create(creator, new NewTask("stuck", Priority: 1, Requirements: Needs(impossible)));
        var behind = await Create(creator, new NewTask("behind", Priority: 5, Requirements: Needs(impossible)));

        await Task(stuck.Id).Update(creator, new TaskUpdate(Requirements: Needs(possible)));

        (await WaitFor(stuck.Id, t => t.Status == AgentTaskStatus.Assigned, "the task to be served by its new queue")).AssignedTo.ShouldBe(worker.Name);
        (await Task(behind.Id).Get()).Status.ShouldBe(AgentTaskStatus.Pending);
    }
}

public sealed class LeaseTests(ShortLeaseClusterFixture fixture) : EngineTestsBase(fixture), IClassFixture<ShortLeaseClusterFixture>
{
    [Fact]
    public async Task A_task_whose_lease_runs_out_goes_to_another_agent_and_the_first_cannot_complete_it()
    {
        var skill = UniqueCapability("lease");
        var (_, _, creator) = await fixture.RegisterAgent("lease-creator");
        var (first, _, firstCaller) = await fixture.RegisterAgent("lease-first", skill);
        var task = await Create(creator, new NewTask("leased", Requirements: Needs(skill)));
        await WaitFor(task.Id, t => t.AssignedTo == first.Name, "the first agent to get it");
        // The first agent stops taking work and never sends a heartbeat or progress.
        await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(first.Name)).SetStatus(firstCaller, AgentStatus.Busy);
        var (second, _, secondCaller) = await fixture.RegisterAgent("lease-second", skill);
        fixture.LetLeasesRunOut();

        var moved = await WaitFor(task.Id, t => t.AssignedTo == second.Name, "the task to move to the second agent");

        moved.Attempts.ShouldBe(1);
        moved.Assignments[0].Status.ShouldBe(AssignmentStatus.Released);
        (await Should.ThrowAsync<AgentChannelException>(() => Task(task.Id).Complete(firstCaller, null))).Code.ShouldBe(ErrorKind.Conflict);
        (await Task(task.Id).Complete(secondCaller, null)).Status.ShouldBe(AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task Heartbeats_keep_the_lease()
    {
        var skill = UniqueCapability("beat");
        var (_, _, creator) = await fixture.RegisterAgent("beat-creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("beat-worker", skill);
        var task = await Create(creator, new NewTask("kept", Requirements: Needs(skill)));
        await WaitFor(task.Id, t => t.AssignedTo == worker.Name, "the worker to get it");
        var agent = fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker.Name));

        // Each beat comes before the lease it renews runs out; together they span nine leases.
        for (var i = 0; i < 10; i++)
        {
            await agent.Heartbeat(workerCaller, AgentStatus.Busy);
            // The agent grain passes the renewal on one-way, so it may land just after the heartbeat's answer.
            var renewed = fixture.Clock.Now + ShortLeaseClusterFixture.Lease;
            await WaitFor(task.Id, t => t.LeaseExpiresAt == renewed, "the heartbeat to renew the lease");
            fixture.Clock.Now += ShortLeaseClusterFixture.Lease * 0.9;
        }

        var kept = await Task(task.Id).Get();
        kept.AssignedTo.ShouldBe(worker.Name);
        kept.Attempts.ShouldBe(0);
        kept.Assignments.ShouldHaveSingleItem();
    }
}
