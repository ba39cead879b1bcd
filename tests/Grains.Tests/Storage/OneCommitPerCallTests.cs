using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Webhooks;
using Orleans.AgentChannel.Tasks;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A call's state and the rows lists read are one write: when it fails (a trigger refuses it, on purpose) the call is
/// refused whole, nothing of it shows in the grain, the lists or after a reactivation, and a retry succeeds.
/// </summary>
public abstract class OneCommitPerCallTests : IAsyncLifetime
{
    /// <summary>
    /// While refused, every <paramref name="operation"/> (INSERT, UPDATE or DELETE) of a row of <paramref name="table"/>
    /// fails; <paramref name="afterAMoment"/>: each refused statement first runs for half a second or more.
    /// </summary>
    protected abstract Task Refuse(string operation, string table, bool refuse, bool afterAMoment = false);

    /// <summary>Completing any task, or storing one whose title says "doomed", fails while the trigger is in place.</summary>
    protected abstract Task FailTaskWrites(bool fail);

    /// <summary>Storing a task:assigned in any inbox fails while the trigger is in place.</summary>
    protected abstract Task FailAssignedEvents(bool fail);

    /// <summary>Storing an inbox event whose data says "slow" takes two seconds or more while the trigger is in place.</summary>
    protected abstract Task SlowInboxInserts(bool slow);

    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var settings = await StorageSettings();
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await DisposeStorage();
        GC.SuppressFinalize(this);
    }

    protected abstract ValueTask DisposeStorage();

    [Fact]
    public async Task A_completion_whose_write_fails_is_refused_whole_and_the_retry_succeeds()
    {
        var worker = await Register("worker");
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("survives", AssignTo: worker));

        await FailTaskWrites(true);
        await Should.ThrowAsync<Exception>(() => task.Complete(Caller.Agent(worker), RawJson.Parse("""{"done":true}""")));

        await ShowsEverywhere(task, AgentTaskStatus.Assigned);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Assigned);

        await FailTaskWrites(false);
        (await task.Complete(Caller.Agent(worker), RawJson.Parse("""{"done":true}"""))).Status.ShouldBe(AgentTaskStatus.Completed);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task A_creation_whose_write_fails_leaves_no_task_and_the_retry_creates_it()
    {
        var id = Guid.CreateVersion7();
        var task = Grains.GetGrain<ITaskGrain>(id);

        await FailTaskWrites(true);
        await Should.ThrowAsync<Exception>(() => task.Create(Caller.Operator, new NewTask("doomed at first")));

        (await Should.ThrowAsync<Errors.AgentChannelException>(() => task.Get())).Code.ShouldBe(Errors.ErrorKind.NotFound);
        (await Listed()).ShouldNotContain(listed => listed.Id == id);

        await FailTaskWrites(false);
        (await task.Create(Caller.Operator, new NewTask("doomed at first"))).Status.ShouldBe(AgentTaskStatus.Pending);
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Pending);
    }

    [Fact]
    public async Task A_task_that_finds_a_free_agent_is_stored_once_already_assigned()
    {
        var worker = await Register("worker");
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());

        var created = await task.Create(Caller.Operator, new NewTask("at once", Requirements: Needs($"only-{worker}")));

        // The answer to the creation is the task as stored: assigned by the engine. Its task:assigned follows.
        created.Status.ShouldBe(AgentTaskStatus.Assigned);
        created.Assignments.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            assignment => assignment.Agent.ShouldBe(worker),
            assignment => assignment.AssignedBy.ShouldBe("engine"));
        await Poll(async () => await AssignedEvents(worker, task) == 1, "the task:assigned to reach the worker's inbox");
        await Reactivate();
        await ShowsEverywhere(task, AgentTaskStatus.Assigned);
        (await AssignedEvents(worker, task)).ShouldBe(1);
    }

    [Fact]
    public async Task Creations_whose_write_fails_give_back_the_slots_they_reserved()
    {
        var worker = await Register("worker");
        var needs = Needs($"only-{worker}");

        // More refused creations than the worker has slots: each reserved one for its task, none may keep it.
        await FailTaskWrites(true);
        for (var attempt = 0; attempt <= new TaskOptions().MaxActivePerAgent; attempt++)
        {
            await Should.ThrowAsync<Exception>(() =>
                Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(Caller.Operator, new NewTask("doomed", Requirements: needs)));
        }
        await FailTaskWrites(false);
        (await Listed()).ShouldBeEmpty();

        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("served", Requirements: needs));

        await Poll(async () => (await task.Get()).AssignedTo == worker, "the worker, holding no task, to get the new one");
    }

    [Fact]
    public async Task An_assignment_whose_task_assigned_cannot_be_stored_is_delivered_later_once_even_across_a_reactivation()
    {
        var worker = await Register("worker");
        // Busy: the engine offers the waiting task to nobody, so only the assignment below gives it out.
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker)).SetStatus(Caller.Agent(worker), AgentStatus.Busy);
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("owed"));

        await FailAssignedEvents(true);
        // Stored, so answered as stored: the event it owes is kept with it and delivered when it can be.
        (await task.Assign(Caller.Operator, worker)).Status.ShouldBe(AgentTaskStatus.Assigned);
        (await AssignedEvents(worker, task)).ShouldBe(0);

        // As if the silo died: the activation and its retry timer are gone, the owed event is in storage.
        await Reactivate();
        await FailAssignedEvents(false);
        (await task.Get()).Status.ShouldBe(AgentTaskStatus.Assigned);
        await Poll(async () => await AssignedEvents(worker, task) == 1, "the owed task:assigned to reach the worker's inbox");

        // A later activation whose stored state still lists a delivered notice delivers it again: stored once.
        // (The operator's task owed nothing at creation, so its task:assigned is the task's first notice.)
        var inbox = Grains.GetGrain<IAgentGrain>(AgentNames.Key(worker));
        var again = new Events.InboxItem(Events.EventNames.TaskAssigned, RawJson.Serialize(await task.Get(), AgentChannelJson.Options), DeliveryKey: $"task/{task.GetPrimaryKey()}/1");
        await inbox.Deliver([again]);
        await inbox.Deliver([again]);
        (await AssignedEvents(worker, task)).ShouldBe(1);
    }

    [Fact]
    public async Task Deliveries_that_come_while_an_inbox_append_is_out_are_stored_together_after_it()
    {
        var hub = await Register("hub");
        var inbox = Grains.GetGrain<IAgentGrain>(AgentNames.Key(hub));
        using var appends = new InboxAppends(AgentNames.Key(hub));
        await SlowInboxInserts(true);
        try
        {
            // The first call's append is out for two seconds; the 29 sent meanwhile wait for it, then go in as few appends
            // as came in while the one before was out (one, unless the calls trickle in: Orleans sets no order or pace on them).
            var first = inbox.Deliver([Note(Events.EventNames.TaskUpdated, "slow")]);
            await appends.FirstStarted.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
            await Task.WhenAll([first, .. Enumerable.Range(1, 29).Select(i => inbox.Deliver([Note(Events.EventNames.TaskUpdated, $"n{i}")]))]);
        }
        finally
        {
            await SlowInboxInserts(false);
        }

        var page = await inbox.ReadInbox(0, 100);
        page.Events.Select(item => item.Seq).ShouldBe(Enumerable.Range(1, 30).Select(seq => (long?)seq));
        page.Events[0].Data.Text.ShouldBe(NoteData("slow"));
        // Calls sent at once reach the grain in no set order; each is stored once, in the order it came.
        page.Events.Skip(1).Select(item => item.Data.Text).ShouldBe(Enumerable.Range(1, 29).Select(i => NoteData($"n{i}")), ignoreOrder: true);
        var counts = appends.Counts;
        counts[0].ShouldBe(1);
        counts.Sum().ShouldBe(30);
        counts.Max().ShouldBeGreaterThan(1, $"no append took more than one call: {string.Join(", ", counts)}");
    }

    [Fact]
    public async Task A_delivery_that_cannot_be_stored_fails_alone_among_those_stored_together_and_its_retry_succeeds()
    {
        var hub = await Register("hub");
        var inbox = Grains.GetGrain<IAgentGrain>(AgentNames.Key(hub));
        using var appends = new InboxAppends(AgentNames.Key(hub));
        await SlowInboxInserts(true);
        await FailAssignedEvents(true);
        List<Task> calls;
        try
        {
            // Behind the slow first append, the refused task:assigned (call 10) waits with the others: an append of it
            // with others fails, and each of those goes again on its own.
            var first = inbox.Deliver([Note(Events.EventNames.TaskUpdated, "slow")]);
            await appends.FirstStarted.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
            calls = [first, .. Enumerable.Range(1, 19).Select(i => inbox.Deliver(
                [Note(i == 10 ? Events.EventNames.TaskAssigned : Events.EventNames.TaskUpdated, $"n{i}")]))];
            await Should.ThrowAsync<Exception>(() => calls[10]);
            await Task.WhenAll(calls.Where((_, i) => i != 10));
        }
        finally
        {
            await SlowInboxInserts(false);
            await FailAssignedEvents(false);
        }
        var stored = (await inbox.ReadInbox(0, 100)).Events;
        stored.Select(item => item.Data.Text).ShouldBe(Enumerable.Range(0, 20).Where(i => i != 10).Select(i => NoteData(i == 0 ? "slow" : $"n{i}")), ignoreOrder: true);
        stored.Select(item => item.Seq).ShouldBe(Enumerable.Range(1, 19).Select(seq => (long?)seq));
        appends.Counts.Max().ShouldBeGreaterThan(1, $"no append took more than one call: {string.Join(", ", appends.Counts)}");

        await inbox.Deliver([Note(Events.EventNames.TaskAssigned, "n10")]);
        var page = await inbox.ReadInbox(0, 100);
        page.Events.Select(item => item.Seq).ShouldBe(Enumerable.Range(1, 20).Select(seq => (long?)seq));
        page.Events[^1].Data.Text.ShouldBe(NoteData("n10"));
    }

    private static Events.InboxItem Note(string eventName, string text) => new(eventName, RawJson.Parse(NoteData(text)));

    private static string NoteData(string text) => $$"""{"note":"{{text}}"}""";

    /// <summary>The inbox appends of one agent, seen through their "inbox deliver" spans: when the first starts, and each one's item count.</summary>
    private sealed class InboxAppends : IDisposable
    {
        private readonly System.Diagnostics.ActivityListener _listener;
        private readonly List<int> _counts = [];
        private readonly TaskCompletionSource _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public InboxAppends(string agentKey)
        {
            bool Mine(System.Diagnostics.Activity activity) =>
                activity.OperationName == "inbox deliver" && activity.GetTagItem(Events.AgentChannelTracing.AgentTag) as string == agentKey;
            _listener = new System.Diagnostics.ActivityListener
            {
                ShouldListenTo = source => source.Name == Events.AgentChannelTracing.Grains.Name,
                Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) =>
                    System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
                ActivityStarted = activity =>
                {
                    if (Mine(activity))
                    {
                        _firstStarted.TrySetResult();
                    }
                },
                ActivityStopped = activity =>
                {
                    if (Mine(activity))
                    {
                        lock (_counts)
                        {
                            _counts.Add((int)activity.GetTagItem(Events.AgentChannelTracing.CountTag)!);
                        }
                    }
                },
            };
            System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        }

        public Task FirstStarted => _firstStarted.Task;

        public IReadOnlyList<int> Counts
        {
            get
            {
                lock (_counts)
                {
                    return [.. _counts];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_memory_write_whose_history_row_fails_is_refused_whole_and_the_retry_succeeds()
    {
        var key = Grains.GetGrain<IMemoryGrain>("notes/plan");
        await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":1}"""))).OrThrow();

        await Refuse("INSERT", "memory_history", true);
        await Should.ThrowAsync<Exception>(() => key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":2}"""), ExpectedVersion: 1)).OrThrow());

        await MemoryShows(key, version: 1, """{"step":1}""", history: [1]);
        await Reactivate();
        await MemoryShows(key, version: 1, """{"step":1}""", history: [1]);

        await Refuse("INSERT", "memory_history", false);
        (await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":2}"""), ExpectedVersion: 1)).OrThrow()).Entry.Version.ShouldBe(2);
        await Reactivate();
        await MemoryShows(key, version: 2, """{"step":2}""", history: [2, 1]);
    }

    [Fact]
    public async Task A_memory_delete_whose_listing_delete_fails_keeps_the_key_and_the_retry_deletes_it_keeping_its_version()
    {
        var key = Grains.GetGrain<IMemoryGrain>("notes/gone");
        await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("\"bye\""))).OrThrow();

        await Refuse("DELETE", "memory_keys", true);
        await Should.ThrowAsync<Exception>(() => key.Delete(Caller.Operator, expectedVersion: 1));

        await MemoryShows(key, version: 1, "\"bye\"", history: [1]);
        await Reactivate();
        await MemoryShows(key, version: 1, "\"bye\"", history: [1]);

        await Refuse("DELETE", "memory_keys", false);
        await key.Delete(Caller.Operator, expectedVersion: 1);
        await Reactivate();
        (await Should.ThrowAsync<Errors.AgentChannelException>(() => key.Get(Caller.Operator))).Code.ShouldBe(Errors.ErrorKind.NotFound);
        (await MemoryListed()).ShouldNotContain(listed => listed.Key == "notes/gone");
        // The tombstone kept the version: the key comes back after it, never at a version a stale writer might hold.
        (await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("\"again\""), ExpectedVersion: 0)).OrThrow()).Entry.Version.ShouldBe(3);
        (await key.History(Caller.Operator, 10)).Select(version => version.Version).ShouldBe([3L]);
    }

    [Fact]
    public async Task An_agent_registration_whose_capability_rows_fail_is_refused_whole_and_the_retry_succeeds()
    {
        var agent = Grains.GetGrain<IAgentGrain>("scout");

        await Refuse("INSERT", "agent_capabilities", true);
        await Should.ThrowAsync<Exception>(() => agent.Register(new AgentRegistration("scout", "llm", ["maps"], null), null));

        (await agent.Get()).ShouldBeNull();
        (await AgentsListed()).ShouldNotContain(listed => listed.Name == "scout");
        await Reactivate();
        (await agent.Get()).ShouldBeNull();

        await Refuse("INSERT", "agent_capabilities", false);
        var registered = await agent.Register(new AgentRegistration("scout", "llm", ["maps"], null), null);
        registered.Created.ShouldBeTrue();

        await Refuse("INSERT", "agent_capabilities", true);
        await Should.ThrowAsync<Exception>(() => agent.Register(new AgentRegistration("scout", "llm", ["maps", "search"], null), registered.Token));
        await Reactivate();
        (await agent.Get())!.Capabilities.ShouldBe(["maps"]);
        (await AgentsListed("search")).ShouldBeEmpty();

        await Refuse("INSERT", "agent_capabilities", false);
        (await agent.Register(new AgentRegistration("scout", "llm", ["maps", "search"], null), registered.Token)).Agent.Capabilities.ShouldBe(["maps", "search"]);
        await Reactivate();
        (await agent.Get())!.Capabilities.ShouldBe(["maps", "search"]);
        (await AgentsListed("search")).ShouldHaveSingleItem().Name.ShouldBe("scout");
    }

    [Fact]
    public async Task A_channel_join_whose_row_fails_is_refused_whole_and_the_retry_joins()
    {
        var channel = Grains.GetGrain<IChannelGrain>("crew");

        await Refuse("INSERT", "channels", true);
        await Should.ThrowAsync<Exception>(() => channel.Join(Caller.Agent("alice")));

        (await Should.ThrowAsync<Errors.AgentChannelException>(() => channel.Get())).Code.ShouldBe(Errors.ErrorKind.NotFound);
        await Reactivate();
        (await Should.ThrowAsync<Errors.AgentChannelException>(() => channel.Get())).Code.ShouldBe(Errors.ErrorKind.NotFound);
        (await Grains.GetGrain<IChannelDirectoryGrain>(0).List()).ShouldBeEmpty();

        await Refuse("INSERT", "channels", false);
        (await channel.Join(Caller.Agent("alice"))).Members.ShouldBe(["alice"]);
        await Reactivate();
        (await channel.Get()).Members.ShouldBe(["alice"]);
        (await Grains.GetGrain<IChannelDirectoryGrain>(0).List()).ShouldHaveSingleItem().MemberCount.ShouldBe(1);
    }

    [Fact]
    public async Task Reads_while_a_write_is_under_way_show_what_is_stored_never_what_the_write_then_refuses()
    {
        var worker = await Register("worker");
        var task = Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7());
        await task.Create(Caller.Operator, new NewTask("watched", AssignTo: worker));
        await Refuse("UPDATE", "tasks", true, afterAMoment: true);
        (await ReadsWhileRefused(task.Complete(Caller.Agent(worker), RawJson.Parse("{}")), task.Get))
            .ShouldAllBe(info => info.Status == AgentTaskStatus.Assigned);
        await Refuse("UPDATE", "tasks", false);

        var key = Grains.GetGrain<IMemoryGrain>("notes/watched");
        await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":1}"""))).OrThrow();
        await Refuse("INSERT", "memory_history", true, afterAMoment: true);
        (await ReadsWhileRefused(key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":2}"""))).OrThrow(), () => key.Get(Caller.Operator)))
            .ShouldAllBe(entry => entry.Version == 1);
        await Refuse("INSERT", "memory_history", false);

        var agent = Grains.GetGrain<IAgentGrain>("watched-scout");
        var registered = await agent.Register(new AgentRegistration("watched-scout", "llm", ["maps"], null), null);
        await Refuse("INSERT", "agent_capabilities", true, afterAMoment: true);
        var widened = agent.Register(new AgentRegistration("watched-scout", "llm", ["maps", "search"], null), registered.Token);
        (await ReadsWhileRefused(widened, agent.Get)).ShouldAllBe(info => info!.Capabilities.Count == 1);
        await Refuse("INSERT", "agent_capabilities", false);

        var channel = Grains.GetGrain<IChannelGrain>("watched-crew");
        await Refuse("INSERT", "channels", true, afterAMoment: true);
        (await ReadsWhileRefused(channel.Join(Caller.Agent("alice")), () => MembersOrNone(channel))).ShouldAllBe(members => members == null);
        await Refuse("INSERT", "channels", false);
    }

    [Fact]
    public async Task A_webhook_delete_whose_row_delete_fails_keeps_it_and_the_retry_deletes_it_for_good()
    {
        var webhook = Grains.GetGrain<IWebhookGrain>(Guid.CreateVersion7());
        await webhook.Create(Caller.Operator, new NewWebhook("http://127.0.0.1:9/hook"));

        await Refuse("DELETE", "webhooks", true);
        await Should.ThrowAsync<Exception>(() => webhook.Delete(Caller.Operator));
        await Reactivate();
        (await webhook.Get(Caller.Operator)).Url.ShouldBe("http://127.0.0.1:9/hook");
        (await Grains.GetGrain<IWebhookDirectoryGrain>(0).List(Caller.Operator)).ShouldHaveSingleItem();

        await Refuse("DELETE", "webhooks", false);
        await webhook.Delete(Caller.Operator);
        await Reactivate();
        (await Should.ThrowAsync<Errors.AgentChannelException>(() => webhook.Get(Caller.Operator))).Code.ShouldBe(Errors.ErrorKind.NotFound);
        (await Grains.GetGrain<IWebhookDirectoryGrain>(0).List(Caller.Operator)).ShouldBeEmpty();
    }

    [Fact]
    public async Task State_an_earlier_release_stored_in_orleans_storage_reads_back_and_moves_at_the_next_write()
    {
        var services = _cluster.Silos[0].ServiceProvider;
        var before = services.GetRequiredKeyedService<IGrainStorage>(AgentChannelStorage.Name);
        var key = Grains.GetGrain<IMemoryGrain>("old/plan");
        var channel = Grains.GetGrain<IChannelGrain>("old-crew");
        var stored = DateTimeOffset.UtcNow.AddDays(-1);
        await before.WriteStateAsync("memory", key.GetGrainId(), new GrainState<MemoryState>(new MemoryState
        {
            Exists = true, Value = RawJson.Parse("""{"step":4}"""), Version = 4, CreatedBy = "keeper", UpdatedBy = "keeper",
            CreatedAt = stored, UpdatedAt = stored,
        }));
        await before.WriteStateAsync("channel", channel.GetGrainId(), new GrainState<ChannelState>(new ChannelState
        {
            Created = true, Members = ["scout", "keeper"], CreatedAt = stored,
        }));

        (await key.Get(Caller.Operator)).Version.ShouldBe(4);
        (await channel.Get()).Members.ShouldBe(["scout", "keeper"]);
        var states = services.GetRequiredService<IGrainStates>();
        (await states.Read("memory", "old/plan")).ShouldBeNull("a read moves nothing");

        (await key.TrySet(Caller.Operator, new MemoryWrite(RawJson.Parse("""{"step":5}"""), ExpectedVersion: 4)).OrThrow()).Entry.Version.ShouldBe(5);
        await channel.Leave(Caller.Agent("keeper"));
        (await states.Read("memory", "old/plan")).ShouldNotBeNull().Version.ShouldBe(1);
        (await states.Read("channel", "old-crew")).ShouldNotBeNull().Version.ShouldBe(1);

        await Reactivate();
        (await key.Get(Caller.Operator)).Value.Text.ShouldBe("""{"step":5}""");
        (await channel.Get()).Members.ShouldBe(["scout"]);
        (await Grains.GetGrain<IChannelDirectoryGrain>(0).List()).ShouldHaveSingleItem().MemberCount.ShouldBe(1);
    }

    /// <summary>
    /// Reads again and again, one at a time, while <paramref name="write"/> is under way (it is refused after a moment,
    /// so most reads meet it in flight); then the write's refusal. The reads, in order.
    /// </summary>
    private static async Task<IReadOnlyList<T>> ReadsWhileRefused<T>(Task write, Func<Task<T>> read)
    {
        var seen = new List<T>();
        do
        {
            seen.Add(await read());
        }
        while (!write.IsCompleted);
        await Should.ThrowAsync<Exception>(() => write);
        return seen;
    }

    private static async Task<IReadOnlyList<string>?> MembersOrNone(IChannelGrain channel)
    {
        try
        {
            return (await channel.Get()).Members;
        }
        catch (Errors.AgentChannelException refused) when (refused.Code == Errors.ErrorKind.NotFound)
        {
            return null;
        }
    }

    private async Task MemoryShows(IMemoryGrain key, long version, string value, long[] history)
    {
        var entry = await key.Get(Caller.Operator);
        entry.Version.ShouldBe(version);
        entry.Value.Text.ShouldBe(value);
        (await MemoryListed()).Single(listed => listed.Key == entry.Key).Version.ShouldBe(version);
        (await key.History(Caller.Operator, 10)).Select(stored => stored.Version).ShouldBe(history);
    }

    private async Task<IReadOnlyList<MemoryKeySummary>> MemoryListed() =>
        (await Grains.GetGrain<IMemoryDirectoryGrain>(0).List(Caller.Operator, null, 100, null)).Items;

    private Task<IReadOnlyList<AgentListing>> AgentsListed(string? capability = null) =>
        Grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery(Capability: capability));

    private static RawJson Needs(string capability) => RawJson.Serialize(new { capabilities = new[] { capability } }, AgentChannelJson.Options);

    private async Task<int> AssignedEvents(string agent, ITaskGrain task)
    {
        var id = task.GetPrimaryKey().ToString();
        var page = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 100);
        return page.Events.Count(item => item.Event == Events.EventNames.TaskAssigned && item.Data.Text.Contains(id, StringComparison.Ordinal));
    }

    private static async Task Poll(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task ShowsEverywhere(ITaskGrain task, AgentTaskStatus status)
    {
        var info = await task.Get();
        info.Status.ShouldBe(status);
        (await Listed()).Single(listed => listed.Id == info.Id).Status.ShouldBe(status);
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Status: status, Limit: 500))).Items.ShouldContain(listed => listed.Id == info.Id);
    }

    private async Task<IReadOnlyList<TaskInfo>> Listed() =>
        (await Grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(Limit: 500))).Items;

    /// <summary>Every grain reads its state again from storage on its next call.</summary>
    private Task Reactivate() =>
        Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);

    private async Task<string> Register(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [$"only-{name}"], null), null);
        return name;
    }
}

public sealed class SqliteOneCommitPerCallTests : OneCommitPerCallTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override Task FailTaskWrites(bool fail)
    {
        const string failing = "WHEN NEW.status = 'completed' OR NEW.document LIKE '%doomed%' BEGIN SELECT RAISE(ABORT, 'injected task write failure'); END";
        Execute(fail
            ? $"CREATE TRIGGER fail_task_insert BEFORE INSERT ON tasks {failing}; CREATE TRIGGER fail_task_update BEFORE UPDATE ON tasks {failing};"
            : "DROP TRIGGER fail_task_insert; DROP TRIGGER fail_task_update;");
        return Task.CompletedTask;
    }

    protected override Task FailAssignedEvents(bool fail)
    {
        Execute(fail
            ? "CREATE TRIGGER fail_assigned_event BEFORE INSERT ON inbox WHEN NEW.event = 'task:assigned' BEGIN SELECT RAISE(ABORT, 'injected inbox failure'); END;"
            : "DROP TRIGGER fail_assigned_event;");
        return Task.CompletedTask;
    }

    protected override Task SlowInboxInserts(bool slow)
    {
        // SQLite has no sleep; sixteen 40 MB random blobs keep the statement busy for about two seconds here.
        Execute(slow
            ? $"CREATE TRIGGER slow_inbox_insert BEFORE INSERT ON inbox WHEN NEW.data LIKE '%slow%' BEGIN {string.Concat(Enumerable.Repeat("SELECT length(randomblob(40000000)); ", 16))}END;"
            : "DROP TRIGGER slow_inbox_insert;");
        return Task.CompletedTask;
    }

    protected override Task Refuse(string operation, string table, bool refuse, bool afterAMoment = false)
    {
        var trigger = $"refuse_{operation.ToLowerInvariant()}_{table}";
        // SQLite has no sleep; four 40 MB random blobs keep the statement busy for about half a second here.
        var moment = afterAMoment ? string.Concat(Enumerable.Repeat("SELECT length(randomblob(40000000)); ", 4)) : "";
        Execute(refuse
            ? $"CREATE TRIGGER {trigger} BEFORE {operation} ON {table} BEGIN {moment}SELECT RAISE(ABORT, 'injected {operation} failure on {table}'); END;"
            : $"DROP TRIGGER {trigger};");
        return Task.CompletedTask;
    }

    private void Execute(string sql) => TempDatabase.Execute(_path, sql);

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresOneCommitPerCallTests : OneCommitPerCallTests
{
    private PostgresTestDatabase? _database;

    protected override async Task<IReadOnlyDictionary<string, string?>> StorageSettings()
    {
        _database = await PostgresTestDatabase.Create();
        return new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = "8",
        };
    }

    protected override async Task FailTaskWrites(bool fail)
    {
        await Execute(fail
            ? """
              CREATE FUNCTION fail_task_write() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  IF NEW.status = 'completed' OR NEW.document LIKE '%doomed%' THEN
                      RAISE EXCEPTION 'injected task write failure';
                  END IF;
                  RETURN NEW;
              END $$;
              CREATE TRIGGER fail_task_write BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION fail_task_write();
              """
            : "DROP TRIGGER fail_task_write ON tasks; DROP FUNCTION fail_task_write();");
    }

    protected override async Task FailAssignedEvents(bool fail)
    {
        await Execute(fail
            ? """
              CREATE FUNCTION fail_assigned_event() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  IF NEW.event = 'task:assigned' THEN
                      RAISE EXCEPTION 'injected inbox failure';
                  END IF;
                  RETURN NEW;
              END $$;
              CREATE TRIGGER fail_assigned_event BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION fail_assigned_event();
              """
            : "DROP TRIGGER fail_assigned_event ON inbox; DROP FUNCTION fail_assigned_event();");
    }

    protected override async Task SlowInboxInserts(bool slow)
    {
        await Execute(slow
            ? """
              CREATE FUNCTION slow_inbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN
                  IF NEW.data LIKE '%slow%' THEN
                      PERFORM pg_sleep(2);
                  END IF;
                  RETURN NEW;
              END $$;
              CREATE TRIGGER slow_inbox_insert BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION slow_inbox_insert();
              """
            : "DROP TRIGGER slow_inbox_insert ON inbox; DROP FUNCTION slow_inbox_insert();");
    }

    protected override async Task Refuse(string operation, string table, bool refuse, bool afterAMoment = false)
    {
        var trigger = $"refuse_{operation.ToLowerInvariant()}_{table}";
        // One function per trigger: a refusal after a moment and an immediate one may stand at once.
        var function = $"{trigger}_write";
        await Execute(refuse
            ? $"""
               CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   {(afterAMoment ? "PERFORM pg_sleep(0.5);" : "")}
                   RAISE EXCEPTION 'injected % failure on %', TG_OP, TG_TABLE_NAME;
               END $$;
               CREATE TRIGGER {trigger} BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
               """
            : $"DROP TRIGGER {trigger} ON {table}; DROP FUNCTION {function}();");
    }

    private Task Execute(string sql) => _database!.Execute(sql);

    protected override ValueTask DisposeStorage() => _database?.DisposeAsync() ?? ValueTask.CompletedTask;
}
