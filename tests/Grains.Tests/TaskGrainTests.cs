using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

public sealed class TaskGrainTests(ClusterFixture fixture)
{
    private ITaskGrain NewTask() => fixture.Grains.GetGrain<ITaskGrain>(Guid.NewGuid());

    /// <summary>Requirements no agent meets, so the engine leaves the task waiting.</summary>
    private static RawJson Unassignable() => RawJson.Parse($$"""{"capabilities":["held-by-nobody-{{Guid.NewGuid():N}}"]}""");

    [Fact]
    public async Task A_task_goes_from_assigned_through_in_progress_to_completed_with_its_assignment_history()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("worker", "analysis");
        var task = NewTask();

        var created = await task.Create(creator, new NewTask("Analyze data", "Process the dataset", 1,
            Requirements: RawJson.Parse("""{"capabilities":["analysis"]}"""), AssignTo: worker.Name.ToUpperInvariant()));
        created.Status.ShouldBe(AgentTaskStatus.Assigned);
        created.AssignedTo.ShouldBe(worker.Name);
        created.Creator.ShouldBe(creator.Name);
        created.Priority.ShouldBe(1);
        created.Assignments.Single().Status.ShouldBe(AssignmentStatus.Assigned);

        (await task.Update(workerCaller, new TaskUpdate(Status: AgentTaskStatus.InProgress))).Status.ShouldBe(AgentTaskStatus.InProgress);
        var completed = await task.Complete(workerCaller, RawJson.Parse("""{"rows":42}"""));

        completed.Status.ShouldBe(AgentTaskStatus.Completed);
        completed.CompletedAt.ShouldNotBeNull();
        completed.Result!.Value.Text.ShouldBe("""{"rows":42}""");
        completed.AssignedTo.ShouldBe(worker.Name);
        var assignment = completed.Assignments.Single();
        assignment.Status.ShouldBe(AssignmentStatus.Completed);
        assignment.CompletedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task Only_the_assignee_or_the_operator_completes_a_task()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, _) = await fixture.RegisterAgent("worker");
        var task = NewTask();
        await task.Create(creator, new NewTask("t", AssignTo: worker.Name));

        (await Should.ThrowAsync<AgentChannelException>(() => task.Complete(creator, null))).Code.ShouldBe(ErrorKind.Forbidden);
        (await task.Get()).Status.ShouldBe(AgentTaskStatus.Assigned);
        (await task.Complete(Caller.Operator, null)).Status.ShouldBe(AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task Illegal_transitions_are_conflicts_and_change_nothing()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var task = NewTask();
        await task.Create(creator, new NewTask("pending task", Requirements: Unassignable()));

        (await Should.ThrowAsync<AgentChannelException>(() => task.Complete(Caller.Operator, null))).Code.ShouldBe(ErrorKind.Conflict);
        (await Should.ThrowAsync<AgentChannelException>(() =>
            task.Update(creator, new TaskUpdate(Status: AgentTaskStatus.Completed)))).Code.ShouldBe(ErrorKind.Conflict);

        (await task.Update(creator, new TaskUpdate(Status: AgentTaskStatus.Cancelled))).Status.ShouldBe(AgentTaskStatus.Cancelled);
        (await Should.ThrowAsync<AgentChannelException>(() =>
            task.Update(creator, new TaskUpdate(Title: "renamed")))).Code.ShouldBe(ErrorKind.Conflict);
        (await task.Get()).Title.ShouldBe("pending task");
    }

    [Fact]
    public async Task A_refused_update_leaves_every_field_as_it_was()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var task = NewTask();
        await task.Create(creator, new NewTask("original", Priority: 2, Requirements: Unassignable()));

        var error = await Should.ThrowAsync<AgentChannelException>(() =>
            task.Update(creator, new TaskUpdate(Title: "changed", Priority: 9)));

        error.Code.ShouldBe(ErrorKind.Invalid);
        error.Field.ShouldBe("priority");
        var unchanged = await task.Get();
        unchanged.Title.ShouldBe("original");
        unchanged.Priority.ShouldBe(2);
    }

    [Fact]
    public async Task Strangers_may_not_update_or_assign_and_assignees_may_not_edit_fields()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("worker");
        var (_, _, stranger) = await fixture.RegisterAgent("stranger");
        var task = NewTask();
        await task.Create(creator, new NewTask("t", AssignTo: worker.Name));

        (await Should.ThrowAsync<AgentChannelException>(() => task.Update(stranger, new TaskUpdate(Priority: 1)))).Code.ShouldBe(ErrorKind.Forbidden);
        (await Should.ThrowAsync<AgentChannelException>(() => task.Assign(stranger, stranger.Name))).Code.ShouldBe(ErrorKind.Forbidden);
        (await Should.ThrowAsync<AgentChannelException>(() => task.Update(workerCaller, new TaskUpdate(Title: "mine")))).Code.ShouldBe(ErrorKind.Forbidden);
    }

    [Fact]
    public async Task Reassigning_closes_the_previous_assignment()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (first, _, _) = await fixture.RegisterAgent("first");
        var (second, _, _) = await fixture.RegisterAgent("second");
        var task = NewTask();
        await task.Create(creator, new NewTask("t", AssignTo: first.Name));

        var reassigned = await task.Assign(creator, second.Name);

        reassigned.AssignedTo.ShouldBe(second.Name);
        reassigned.Assignments.Count.ShouldBe(2);
        reassigned.Assignments[0].Status.ShouldBe(AssignmentStatus.Reassigned);
        reassigned.Assignments[0].CompletedAt.ShouldNotBeNull();
        reassigned.Assignments[1].Agent.ShouldBe(second.Name);
    }

    [Fact]
    public async Task Unknown_assignees_and_tasks_are_not_found_and_bad_fields_are_named()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");

        var unknownAgent = await Should.ThrowAsync<AgentChannelException>(() => NewTask().Create(creator, new NewTask("t", AssignTo: "nobody-here")));
        unknownAgent.Code.ShouldBe(ErrorKind.NotFound);
        (await Should.ThrowAsync<AgentChannelException>(() => NewTask().Get())).Code.ShouldBe(ErrorKind.NotFound);
        (await Should.ThrowAsync<AgentChannelException>(() => NewTask().Create(creator, new NewTask(" ")))).Field.ShouldBe("title");
        (await Should.ThrowAsync<AgentChannelException>(() =>
            NewTask().Create(creator, new NewTask("t", Requirements: RawJson.Parse("\"x\""))))).Field.ShouldBe("requirements");
    }

    [Fact]
    public async Task Listing_filters_by_status_assignee_creator_and_pages_with_a_cursor()
    {
        var (_, _, creator) = await fixture.RegisterAgent("lister");
        var (worker, _, _) = await fixture.RegisterAgent("listed");
        for (var i = 0; i < 5; i++)
        {
            await NewTask().Create(creator, new NewTask($"task {i}", Priority: 1 + (i % 2), AssignTo: i < 3 ? worker.Name : null,
                Requirements: i < 3 ? null : Unassignable()));
        }
        var directory = fixture.Grains.GetGrain<ITaskDirectoryGrain>(0);

        var mine = await directory.List(new TaskQuery(Creator: creator.Name, Limit: 2));
        mine.Items.Select(t => t.Title).ShouldBe(["task 4", "task 3"]);
        var next = await directory.List(new TaskQuery(Creator: creator.Name, Limit: 2, Cursor: mine.NextCursor));
        next.Items.Select(t => t.Title).ShouldBe(["task 2", "task 1"]);
        var last = await directory.List(new TaskQuery(Creator: creator.Name, Limit: 2, Cursor: next.NextCursor));
        last.Items.Select(t => t.Title).ShouldBe(["task 0"]);
        last.NextCursor.ShouldBeNull();

        (await directory.List(new TaskQuery(Assignee: worker.Name.ToUpperInvariant()))).Items.Count.ShouldBe(3);
        (await directory.List(new TaskQuery(Status: AgentTaskStatus.Pending, Creator: creator.Name))).Items.Count.ShouldBe(2);
        (await directory.List(new TaskQuery(Priority: 2, Creator: creator.Name))).Items.Select(t => t.Title).ShouldBe(["task 3", "task 1"]);
        (await Should.ThrowAsync<AgentChannelException>(() => directory.List(new TaskQuery(Cursor: "garbage!")))).Field.ShouldBe("cursor");
    }

    [Fact]
    public async Task The_result_is_the_assignees_to_set_and_freezes_once_the_task_is_closed()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, workerCaller) = await fixture.RegisterAgent("worker");
        var task = NewTask();
        await task.Create(creator, new NewTask("t", AssignTo: worker.Name));

        (await Should.ThrowAsync<AgentChannelException>(() => task.Update(creator, new TaskUpdate(Result: RawJson.Parse("1")))))
            .Code.ShouldBe(ErrorKind.Forbidden);
        (await task.Update(workerCaller, new TaskUpdate(Result: RawJson.Parse("\"draft\"")))).Result!.Value.Text.ShouldBe("\"draft\"");
        await task.Complete(workerCaller, RawJson.Parse("\"final\""));

        (await Should.ThrowAsync<AgentChannelException>(() => task.Update(Caller.Operator, new TaskUpdate(Result: RawJson.Parse("2")))))
            .Code.ShouldBe(ErrorKind.Conflict);
        (await task.Get()).Result!.Value.Text.ShouldBe("\"final\"");
    }

    [Fact]
    public async Task A_cancelled_task_still_names_who_had_it()
    {
        var (_, _, creator) = await fixture.RegisterAgent("creator");
        var (worker, _, _) = await fixture.RegisterAgent("worker");
        var task = NewTask();
        await task.Create(creator, new NewTask("t", AssignTo: worker.Name));

        var cancelled = await task.Update(creator, new TaskUpdate(Status: AgentTaskStatus.Cancelled));

        cancelled.AssignedTo.ShouldBe(worker.Name);
        cancelled.Assignments.Single().Status.ShouldBe(AssignmentStatus.Cancelled);
    }
}
