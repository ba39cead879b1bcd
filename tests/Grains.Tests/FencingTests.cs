using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>Fenced leases with one-second leases on a clock the tests move: the assignment id a worker got is refused once its lease ran out.</summary>
public sealed class FencedLeaseTests(ShortLeaseClusterFixture fixture) : EngineTestsBase(fixture), IClassFixture<ShortLeaseClusterFixture>
{
    [Fact]
    public async Task After_the_lease_expires_and_the_task_is_reassigned_the_old_workers_complete_is_refused_with_lease_lost_and_the_new_workers_is_accepted()
    {
        var skill = UniqueCapability("fence");
        var (_, _, creator) = await fixture.RegisterAgent("fence-creator");
        var (first, _, firstCaller) = await fixture.RegisterAgent("fence-first", skill);
        var task = await Create(creator, new NewTask("fenced", Requirements: Needs(skill)));
        var held = await WaitFor(task.Id, t => t.AssignedTo == first.Name, "the first agent to get it");
        var firstAssignment = held.AssignmentId.ShouldNotBeNull();
        held.Assignments[^1].Id.ShouldBe(firstAssignment);
        // The first agent stops taking work and never sends a heartbeat or progress: its lease runs out.
        await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(first.Name)).SetStatus(firstCaller, AgentStatus.Busy);
        var (second, _, secondCaller) = await fixture.RegisterAgent("fence-second", skill);
        fixture.LetLeasesRunOut();
        var moved = await WaitFor(task.Id, t => t.AssignedTo == second.Name, "the task to move to the second agent");
        var secondAssignment = moved.AssignmentId.ShouldNotBeNull();
        secondAssignment.ShouldNotBe(firstAssignment);

        var refused = await Should.ThrowAsync<AgentChannelException>(() =>
            Task(task.Id).Complete(firstCaller, RawJson.Parse("""{"late":true}"""), firstAssignment));
        refused.Code.ShouldBe(ErrorKind.LeaseLost);
        refused.Code.ToWire().ShouldBe("lease_lost");
        refused.Field.ShouldBe("assignment_id");
        var after = await Task(task.Id).Get();
        after.Status.ShouldBe(moved.Status);
        after.Result.ShouldBeNull();
        after.AssignmentId.ShouldBe(secondAssignment);
        after.Assignments.ShouldBe(moved.Assignments);
        after.UpdatedAt.ShouldBe(moved.UpdatedAt);

        var completed = await Task(task.Id).Complete(secondCaller, RawJson.Parse("""{"done":true}"""), secondAssignment);
        completed.Status.ShouldBe(AgentTaskStatus.Completed);
        completed.Result!.Value.Text.ShouldBe("""{"done":true}""");
        completed.Assignments[^1].Status.ShouldBe(AssignmentStatus.Completed);
        completed.AssignmentId.ShouldBeNull();

        // The first agent learned it from its inbox: why, before the task as it became.
        var events = await InboxEventsAbout(first.Name, task.Id);
        var lost = events.First(e => e.Event == EventNames.TaskLeaseLost);
        var data = lost.Data.Deserialize<TaskLeaseLost>(AgentChannelJson.Options)!;
        data.TaskId.ShouldBe(task.Id);
        data.AssignmentId.ShouldBe(firstAssignment);
        data.Agent.ShouldBe(first.Name);
        data.Reason.ShouldBe(LeaseLostReasons.LeaseExpired);
        data.Detail.ShouldContain("lease expired");
        lost.Data.Text.ShouldContain("\"assignment_id\":");
        events.IndexOf(lost).ShouldBeLessThan(events.FindIndex(e => e.Event == EventNames.TaskUpdated));
        events.Count(e => e.Event == EventNames.TaskLeaseLost).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_agent_getting_the_task_again_cannot_act_under_its_old_assignment()
    {
        var skill = UniqueCapability("again");
        var (_, _, creator) = await fixture.RegisterAgent("again-creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("again-worker", skill);
        var task = await Create(creator, new NewTask("again", Requirements: Needs(skill)));
        var first = (await WaitFor(task.Id, t => t.AssignedTo == worker.Name, "the worker to get it")).AssignmentId!.Value;

        // No heartbeat: the lease runs out, and the engine gives the task back to the only capable agent.
        fixture.LetLeasesRunOut();
        var again = await WaitFor(task.Id, t => t.AssignedTo == worker.Name && t.AssignmentId != first, "the worker to get it again");
        await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker.Name)).Heartbeat(workerCaller, AgentStatus.Online);

        // Unfenced, the call would be the current assignee's; fenced, the stale work is refused.
        (await Should.ThrowAsync<AgentChannelException>(() =>
            Task(task.Id).Update(workerCaller, new TaskUpdate(Status: AgentTaskStatus.Failed, AssignmentId: first)))).Code.ShouldBe(ErrorKind.LeaseLost);
        (await Task(task.Id).Get()).Status.ShouldBe(AgentTaskStatus.Assigned);
        (await Task(task.Id).Complete(workerCaller, null, again.AssignmentId)).Status.ShouldBe(AgentTaskStatus.Completed);
    }

    private async Task<List<AgentEvent>> InboxEventsAbout(string agent, Guid taskId)
    {
        var page = await Fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 1000);
        return [.. page.Events.Where(e => e.Data.Text.Contains(taskId.ToString(), StringComparison.Ordinal))];
    }
}

/// <summary>Fencing without leases running out: reassignment, cancellation, the operator, and calls without a fence.</summary>
public sealed class FencingTests(ClusterFixture fixture)
{
    private ITaskGrain NewTask() => fixture.Grains.GetGrain<ITaskGrain>(Guid.NewGuid());

    [Fact]
    public async Task A_worker_whose_task_the_creator_reassigned_is_told_why_and_its_fenced_update_changes_nothing()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (first, _, firstCaller) = await fixture.RegisterAgent("first");
        var (second, _, _) = await fixture.RegisterAgent("second");
        var task = NewTask();
        var created = await task.Create(creator, new NewTask("handed on", AssignTo: first.Name));
        var firstAssignment = created.AssignmentId!.Value;
        (await task.Update(firstCaller, new TaskUpdate(Status: AgentTaskStatus.InProgress, AssignmentId: firstAssignment)))
            .AssignmentId.ShouldBe(firstAssignment);

        var reassigned = await task.Assign(creator, second.Name);

        var refused = await Should.ThrowAsync<AgentChannelException>(() => task.Update(firstCaller,
            new TaskUpdate(Result: RawJson.Parse("\"partial\""), AssignmentId: firstAssignment)));
        refused.Code.ShouldBe(ErrorKind.LeaseLost);
        refused.Message.ShouldContain("reassigned");
        (await task.Get()).ShouldSatisfyAllConditions(
            t => t.Result.ShouldBeNull(),
            t => t.UpdatedAt.ShouldBe(reassigned.UpdatedAt),
            t => t.AssignmentId.ShouldBe(reassigned.AssignmentId));
        var lost = await LeaseLostEvents(first.Name, task.GetPrimaryKey());
        lost.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            l => l.AssignmentId.ShouldBe(firstAssignment),
            l => l.Reason.ShouldBe(LeaseLostReasons.Reassigned),
            l => l.Detail.ShouldContain(second.Name));
    }

    [Fact]
    public async Task An_assignee_handing_its_task_on_is_not_told_it_lost_it()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (first, _, firstCaller) = await fixture.RegisterAgent("first");
        var (second, _, _) = await fixture.RegisterAgent("second");
        var task = NewTask();
        await task.Create(creator, new NewTask("passed", AssignTo: first.Name));

        await task.Assign(firstCaller, second.Name);

        (await LeaseLostEvents(first.Name, task.GetPrimaryKey())).ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancelling_or_closing_a_held_task_ends_the_assignment_and_the_assignee_hears_lease_lost()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("worker");
        var cancelled = NewTask();
        var cancelledAssignment = (await cancelled.Create(creator, new NewTask("to cancel", AssignTo: worker.Name))).AssignmentId!.Value;
        var closed = NewTask();
        var closedAssignment = (await closed.Create(creator, new NewTask("to close", AssignTo: worker.Name))).AssignmentId!.Value;

        await cancelled.Update(creator, new TaskUpdate(Status: AgentTaskStatus.Cancelled));
        await closed.Complete(Caller.Operator, RawJson.Parse("\"by hand\""));

        (await Should.ThrowAsync<AgentChannelException>(() => cancelled.Complete(workerCaller, null, cancelledAssignment))).Code.ShouldBe(ErrorKind.LeaseLost);
        (await Should.ThrowAsync<AgentChannelException>(() => closed.Complete(workerCaller, null, closedAssignment))).Code.ShouldBe(ErrorKind.LeaseLost);
        (await LeaseLostEvents(worker.Name, cancelled.GetPrimaryKey())).ShouldHaveSingleItem().Reason.ShouldBe(LeaseLostReasons.Cancelled);
        (await LeaseLostEvents(worker.Name, closed.GetPrimaryKey())).ShouldHaveSingleItem().Reason.ShouldBe(LeaseLostReasons.Completed);
        (await closed.Get()).Result!.Value.Text.ShouldBe("\"by hand\"");
    }

    [Fact]
    public async Task Without_a_fence_an_assignee_acts_while_it_holds_the_task_and_the_creator_and_operator_are_not_fenced()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (first, _, firstCaller) = await fixture.RegisterAgent("first");
        var (second, _, secondCaller) = await fixture.RegisterAgent("second");
        var task = NewTask();
        await task.Create(creator, new NewTask("unfenced", AssignTo: first.Name));
        await task.Assign(Caller.Operator, second.Name);

        // As before fencing: a former assignee is a conflict, the current one goes ahead.
        (await Should.ThrowAsync<AgentChannelException>(() => task.Complete(firstCaller, null))).Code.ShouldBe(ErrorKind.Conflict);
        (await task.Update(secondCaller, new TaskUpdate(Status: AgentTaskStatus.InProgress))).Status.ShouldBe(AgentTaskStatus.InProgress);
        (await task.Update(creator, new TaskUpdate(Priority: 1))).Priority.ShouldBe(1);
        (await task.Update(Caller.Operator, new TaskUpdate(Result: RawJson.Parse("1")))).Result!.Value.Text.ShouldBe("1");
    }

    [Fact]
    public async Task An_assignment_id_the_task_never_had_is_lease_lost()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("worker");
        var task = NewTask();
        await task.Create(creator, new NewTask("mine", AssignTo: worker.Name));

        var refused = await Should.ThrowAsync<AgentChannelException>(() => task.Complete(workerCaller, null, Guid.NewGuid()));

        refused.Code.ShouldBe(ErrorKind.LeaseLost);
        (await task.Get()).Status.ShouldBe(AgentTaskStatus.Assigned);
    }

    private async Task<List<TaskLeaseLost>> LeaseLostEvents(string agent, Guid taskId)
    {
        var page = await fixture.Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 1000);
        return [.. page.Events
            .Where(e => e.Event == EventNames.TaskLeaseLost)
            .Select(e => e.Data.Deserialize<TaskLeaseLost>(AgentChannelJson.Options)!)
            .Where(l => l.TaskId == taskId)];
    }
}
