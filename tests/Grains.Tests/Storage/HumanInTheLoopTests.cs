using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A person in the loop, on each engine: questions and answers, approvals and send-backs, the refusals that change
/// nothing, the paused lease, and the new statuses in the tables' listings and counts. Each test runs a silo of its own
/// on a fresh store.
/// </summary>
public abstract class HumanInTheLoopTests : IAsyncLifetime
{
    private const int LeaseSeconds = 3;

    private InProcessTestCluster? _cluster;

    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    protected abstract ValueTask DisposeStorage();

    private IGrainFactory Grains => _cluster!.Client;

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(await StorageSettings())
        {
            ["AgentChannel:Tasks:LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "50",
        };
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        await DisposeStorage();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_question_pauses_the_lease_reaches_the_creator_and_its_answer_reaches_the_assignee_who_continues()
    {
        var creator = await Register("asker-boss");
        var worker = await Register("asker-worker");
        var task = await Task(Guid.NewGuid()).Create(creator, new NewTask("needs a decision", AssignTo: worker.Name));
        var assignment = task.AssignmentId.ShouldNotBeNull();

        var asked = await Task(task.Id).RequestInput(worker, "Which region?", assignment);

        asked.Status.ShouldBe(AgentTaskStatus.InputRequired);
        asked.AssignedTo.ShouldBe(worker.Name);
        asked.AssignmentId.ShouldBe(assignment);
        asked.LeaseExpiresAt.ShouldBeNull();
        asked.InputRequest.ShouldNotBeNull().Question.ShouldBe("Which region?");
        asked.InputRequest.AskedBy.ShouldBe(worker.Name);
        asked.InputRequest.Answer.ShouldBeNull();
        var toCreator = await InboxEvent(creator.Name, task.Id, EventNames.TaskInputRequired);
        toCreator.Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!.InputRequest!.Question.ShouldBe("Which region?");
        (await Listed(AgentTaskStatus.InputRequired)).ShouldContain(t => t.Id == task.Id);
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).CountByStatus()).GetValueOrDefault(AgentTaskStatus.InputRequired).ShouldBe(1);

        // Waiting on a person, nothing takes the task away: not the lease (paused), not the agent going offline.
        await Task(task.Id).Release(worker.Name, "the agent went offline");
        await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(LeaseSeconds * 2), TestContext.Current.CancellationToken);
        var waited = await Task(task.Id).Get();
        (waited.Status, waited.AssignmentId, waited.Attempts).ShouldBe((AgentTaskStatus.InputRequired, assignment, 0));
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Assignee: worker.Name))).Items.Single().Id.ShouldBe(task.Id);

        var key = IdempotencyKey.Parse(Guid.NewGuid().ToString())!;
        var answered = await Task(task.Id).ProvideInput(creator, "eu-west", key);
        // A repeat of the keyed answer (its first answer lost) is answered the same and changes nothing.
        (await Task(task.Id).ProvideInput(creator, "eu-west", key)).UpdatedAt.ShouldBe(answered.UpdatedAt);
        (await Should.ThrowAsync<AgentChannelException>(() => Task(task.Id).ProvideInput(creator, "us-east", key)))
            .Code.ShouldBe(ErrorKind.IdempotencyMismatch);

        answered.Status.ShouldBe(AgentTaskStatus.InProgress);
        answered.AssignmentId.ShouldBe(assignment);
        answered.InputRequest!.Answer.ShouldBe("eu-west");
        answered.InputRequest.AnsweredBy.ShouldBe(creator.Name);
        answered.LeaseExpiresAt.ShouldNotBeNull().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
        var toWorker = await InboxEvent(worker.Name, task.Id, EventNames.TaskInputProvided);
        var told = toWorker.Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!;
        (told.Status, told.InputRequest!.Answer).ShouldBe((AgentTaskStatus.InProgress, "eu-west"));
        toWorker.Seq.ShouldNotBeNull();
        (await InboxEvents(worker.Name, task.Id)).Count(e => e.Event == EventNames.TaskInputProvided).ShouldBe(1);

        // The assignee continues under the same assignment; the lease runs again.
        (await Task(task.Id).Complete(worker, RawJson.Parse("""{"region":"eu-west"}"""), assignment)).Status.ShouldBe(AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task Once_answered_the_lease_runs_again_and_an_assignee_that_does_not_come_back_loses_the_task()
    {
        var skill = $"skill-{Guid.NewGuid():N}";
        var creator = await Register("lease-boss");
        var worker = await Register("lease-worker", skill);
        var task = await Task(Guid.NewGuid()).Create(creator, new NewTask("answered into silence", AssignTo: worker.Name,
            Requirements: RawJson.Serialize(new { capabilities = new[] { skill } }, AgentChannelJson.Options)));
        await Task(task.Id).RequestInput(worker, "Go on?", task.AssignmentId);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker.Name)).SetStatus(worker, AgentStatus.Offline);

        await Task(task.Id).ProvideInput(Caller.Operator, "yes");

        var back = await Poll(task.Id, t => t.Status != AgentTaskStatus.InProgress, "the lease to run out after the answer");
        // Only the offline worker could take it: it waits in the queue.
        (back.Status, back.Attempts, back.AssignedTo).ShouldBe((AgentTaskStatus.Pending, 1, null));
        back.Assignments[^1].Status.ShouldBe(AssignmentStatus.Released);
        (await InboxEvent(worker.Name, task.Id, EventNames.TaskLeaseLost)).Data.Text.ShouldContain(LeaseLostReasons.LeaseExpired);
    }

    [Fact]
    public async Task A_task_requiring_approval_waits_for_it_its_dependents_unblock_only_when_approved_and_it_can_be_sent_back_or_cancelled()
    {
        var creator = await Register("approve-boss");
        var worker = await Register("approve-worker");
        var task = await Task(Guid.NewGuid()).Create(creator, new NewTask("write the report", AssignTo: worker.Name, RequiresApproval: true));
        task.RequiresApproval.ShouldBeTrue();
        var dependent = await Task(Guid.NewGuid()).Create(creator, new NewTask("publish it", DependsOn: [task.Id], AssignTo: worker.Name));
        dependent.Status.ShouldBe(AgentTaskStatus.Blocked);

        var submitted = await Task(task.Id).Complete(worker, RawJson.Parse("""{"draft":1}"""), task.AssignmentId);

        submitted.Status.ShouldBe(AgentTaskStatus.AwaitingApproval);
        submitted.CompletedAt.ShouldBeNull();
        submitted.AssignmentId.ShouldBe(task.AssignmentId);
        submitted.Result!.Value.Text.ShouldBe("""{"draft":1}""");
        (await InboxEvent(creator.Name, task.Id, EventNames.TaskAwaitingApproval)).Seq.ShouldNotBeNull();
        (await Listed(AgentTaskStatus.AwaitingApproval)).Select(t => t.Id).ShouldBe([task.Id]);
        (await Task(dependent.Id).Get()).Status.ShouldBe(AgentTaskStatus.Blocked);

        var sentBack = await Task(task.Id).SendBack(creator, "Add the sources.");

        sentBack.Status.ShouldBe(AgentTaskStatus.InProgress);
        sentBack.AssignmentId.ShouldBe(task.AssignmentId);
        sentBack.Review.ShouldNotBeNull().Decision.ShouldBe(ReviewDecision.SentBack);
        sentBack.Review.Comment.ShouldBe("Add the sources.");
        sentBack.LeaseExpiresAt.ShouldNotBeNull();
        var back = (await InboxEvent(worker.Name, task.Id, EventNames.TaskSentBack)).Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!;
        back.Review!.Comment.ShouldBe("Add the sources.");
        (await Task(dependent.Id).Get()).Status.ShouldBe(AgentTaskStatus.Blocked);

        // An update to completed by the assignee is a submission too: approval cannot be skipped.
        (await Task(task.Id).Update(worker, new TaskUpdate(Status: AgentTaskStatus.Completed, Result: RawJson.Parse("""{"draft":2}"""))))
            .Status.ShouldBe(AgentTaskStatus.AwaitingApproval);
        var handedIn = await InboxEventsUntil(creator.Name, task.Id, EventNames.TaskAwaitingApproval, count: 2);
        handedIn[^1].Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!.Result!.Value.Text.ShouldBe("""{"draft":2}""");
        (await InboxEvents(creator.Name, task.Id)).ShouldNotContain(e => e.Event == EventNames.TaskUpdated);

        var approved = await Task(task.Id).Approve(creator, "Good.");

        approved.Status.ShouldBe(AgentTaskStatus.Completed);
        approved.CompletedAt.ShouldNotBeNull();
        approved.AssignmentId.ShouldBeNull();
        approved.Assignments[^1].Status.ShouldBe(AssignmentStatus.Completed);
        approved.Review!.Decision.ShouldBe(ReviewDecision.Approved);
        await InboxEvent(worker.Name, task.Id, EventNames.TaskApproved);
        (await InboxEvents(worker.Name, task.Id)).ShouldNotContain(e => e.Event == EventNames.TaskLeaseLost);
        (await Poll(dependent.Id, t => t.Status != AgentTaskStatus.Blocked, "the dependent to unblock")).Status.ShouldBe(AgentTaskStatus.Assigned);

        // Cancelled while awaiting approval: it closes, and the assignee is told it lost the task.
        var other = await Task(Guid.NewGuid()).Create(creator, new NewTask("abandoned", AssignTo: worker.Name, RequiresApproval: true));
        await Task(other.Id).Complete(worker, null, other.AssignmentId);
        var cancelled = await Task(other.Id).Update(creator, new TaskUpdate(Status: AgentTaskStatus.Cancelled));
        (cancelled.Status, cancelled.AssignmentId).ShouldBe((AgentTaskStatus.Cancelled, null));
        (await InboxEvent(worker.Name, other.Id, EventNames.TaskLeaseLost)).Data.Text.ShouldContain(LeaseLostReasons.Cancelled);
        // The operator completing it directly is its own approval.
        var third = await Task(Guid.NewGuid()).Create(creator, new NewTask("overruled", AssignTo: worker.Name, RequiresApproval: true));
        (await Task(third.Id).Complete(Caller.Operator, null)).Status.ShouldBe(AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task Only_the_assignee_asks_and_submits_only_the_creator_or_operator_answers_and_decides_and_every_refusal_changes_nothing()
    {
        var creator = await Register("rule-boss");
        var worker = await Register("rule-worker");
        var stranger = await Register("rule-stranger");
        var task = await Task(Guid.NewGuid()).Create(creator, new NewTask("ruled", AssignTo: worker.Name, RequiresApproval: true));
        var grain = Task(task.Id);

        await Refused(grain, () => grain.RequestInput(creator, "?"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.RequestInput(Caller.Operator, "?"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.RequestInput(stranger, "?"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.RequestInput(worker, "  "), ErrorKind.Invalid, "question");
        await Refused(grain, () => grain.RequestInput(worker, new string('q', 20_000)), ErrorKind.TooLarge, "question");
        await Refused(grain, () => grain.RequestInput(worker, "?", Guid.NewGuid()), ErrorKind.LeaseLost);
        await Refused(grain, () => grain.ProvideInput(creator, "too early"), ErrorKind.Conflict);
        await Refused(grain, () => grain.Approve(creator), ErrorKind.Conflict);
        await Refused(grain, () => grain.SendBack(creator, "too early"), ErrorKind.Conflict);
        await Refused(grain, () => grain.Update(worker, new TaskUpdate(Status: AgentTaskStatus.InputRequired)), ErrorKind.Conflict);

        await grain.RequestInput(worker, "Which format?", task.AssignmentId);
        await Refused(grain, () => grain.ProvideInput(worker, "self-answer"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.ProvideInput(stranger, "meddling"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.ProvideInput(creator, ""), ErrorKind.Invalid, "answer");
        await Refused(grain, () => grain.RequestInput(worker, "again?"), ErrorKind.Conflict);
        await Refused(grain, () => grain.Update(creator, new TaskUpdate(Status: AgentTaskStatus.InProgress)), ErrorKind.Conflict);
        await Refused(grain, () => grain.Complete(worker, null), ErrorKind.Conflict);
        await grain.ProvideInput(creator, "PDF");

        await grain.Complete(worker, null, task.AssignmentId);
        await Refused(grain, () => grain.Approve(worker), ErrorKind.Forbidden);
        await Refused(grain, () => grain.Approve(stranger), ErrorKind.Forbidden);
        await Refused(grain, () => grain.SendBack(worker, "redo"), ErrorKind.Forbidden);
        await Refused(grain, () => grain.SendBack(creator, " "), ErrorKind.Invalid, "comment");
        await Refused(grain, () => grain.ProvideInput(creator, "late"), ErrorKind.Conflict);
        await Refused(grain, () => grain.Update(creator, new TaskUpdate(Status: AgentTaskStatus.Completed)), ErrorKind.Conflict);
        await Refused(grain, () => grain.Update(worker, new TaskUpdate(Status: AgentTaskStatus.InProgress)), ErrorKind.Conflict);

        (await grain.Approve(Caller.Operator)).Status.ShouldBe(AgentTaskStatus.Completed);
        await Refused(grain, () => grain.Approve(creator), ErrorKind.Conflict);
        await Refused(grain, () => grain.SendBack(creator, "too late"), ErrorKind.Conflict);
        await Refused(grain, () => grain.RequestInput(worker, "after?"), ErrorKind.Conflict);
    }

    /// <summary>The call is refused with <paramref name="code"/> and the task, as stored and listed, is exactly as before.</summary>
    private async Task Refused(ITaskGrain grain, Func<Task> call, ErrorKind code, string? field = null)
    {
        var before = await grain.Get();
        var error = await Should.ThrowAsync<AgentChannelException>(call);
        error.Code.ShouldBe(code, error.Message);
        if (field is not null)
        {
            error.Field.ShouldBe(field);
        }
        var after = await grain.Get();
        (after.Status, after.UpdatedAt, after.AssignmentId, after.InputRequest, after.Review, after.Result?.Text)
            .ShouldBe((before.Status, before.UpdatedAt, before.AssignmentId, before.InputRequest, before.Review, before.Result?.Text));
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Limit: 500))).Items.Single(t => t.Id == before.Id).UpdatedAt
            .ShouldBe(before.UpdatedAt);
    }

    private ITaskGrain Task(Guid id) => Grains.GetGrain<ITaskGrain>(id);

    private async Task<Caller> Register(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 9, AgentNames.MaxLength)];
        var registered = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", capabilities, null), null);
        return Caller.Agent(registered.Agent.Name);
    }

    private async Task<IReadOnlyList<TaskInfo>> Listed(AgentTaskStatus status) =>
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Status: status))).Items;

    private async Task<List<AgentEvent>> InboxEvents(string agent, Guid taskId)
    {
        var page = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 1000);
        return [.. page.Events.Where(e => e.Data.Text.Contains(taskId.ToString(), StringComparison.Ordinal))];
    }

    /// <summary>The agent's inbox events of that name about the task, once there are <paramref name="count"/> of them.</summary>
    private async Task<List<AgentEvent>> InboxEventsUntil(string agent, Guid taskId, string eventName, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var found = (await InboxEvents(agent, taskId)).Where(e => e.Event == eventName).ToList();
            if (found.Count >= count)
            {
                return found;
            }
            (DateTime.UtcNow < deadline).ShouldBeTrue($"timed out waiting for {count} {eventName} in {agent}'s inbox");
            await System.Threading.Tasks.Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The event in the agent's durable inbox, once stored (delivery is retried until it is).</summary>
    private async Task<AgentEvent> InboxEvent(string agent, Guid taskId, string eventName)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if ((await InboxEvents(agent, taskId)).FirstOrDefault(e => e.Event == eventName) is { } found)
            {
                return found;
            }
            (DateTime.UtcNow < deadline).ShouldBeTrue($"timed out waiting for {eventName} in {agent}'s inbox");
            await System.Threading.Tasks.Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private async Task<TaskInfo> Poll(Guid id, Func<TaskInfo, bool> condition, string what)
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

public sealed class SqliteHumanInTheLoopTests : HumanInTheLoopTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        System.Threading.Tasks.Task.FromResult<IReadOnlyDictionary<string, string?>>(
            new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresHumanInTheLoopTests : HumanInTheLoopTests
{
    private PostgresTestDatabase? _database;

    protected override async Task<IReadOnlyDictionary<string, string?>> StorageSettings()
    {
        _database ??= await PostgresTestDatabase.Create();
        return new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = "8",
        };
    }

    protected override async ValueTask DisposeStorage()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
