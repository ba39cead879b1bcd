using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>The message log and query tables as grains use them: one store's worth of each interface.</summary>
public sealed record StoreUnderTest(
    IMessageLog Messages, IAgentIndex Agents, ITaskIndex Tasks, IMemoryIndex Memory, IChannelIndex Channels, IInbox Inbox,
    IWebhookStore Webhooks, IStatsStore Stats, IGrainStates States);

/// <summary>
/// What every storage provider must do, run against each one (SQLite always, PostgreSQL when
/// AGENTCHANNEL_TEST_POSTGRES is set). Each test gets an empty store of its own.
/// </summary>
public abstract class StorageContractTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);

    /// <summary>A fresh, empty store with its schema applied.</summary>
    protected abstract Task<StoreUnderTest> Open();

    public abstract ValueTask DisposeAsync();

    /// <summary>Drops the history audience tables, as a store from before private history lacks them, and applies the schema again.</summary>
    protected abstract Task ReopenWithoutHistoryAudience();

    /// <summary>Drops the full-text index of messages and memory, as a store from before search lacks it, and applies the schema again.</summary>
    protected abstract Task ReopenWithoutSearch();

    [Fact]
    public async Task Concurrent_appends_all_commit_with_distinct_sequences()
    {
        var store = await Open();

        var stored = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.Messages.Append(Message($"m{i}", ["bob"]), null)));

        stored.Select(m => m.Sequence).Distinct().Count().ShouldBe(500);
        (await store.Messages.List(new MessageQuery(Recipient: "bob", Limit: 500), null)).Items.Count.ShouldBe(500);
    }

    [Fact]
    public async Task Messages_appended_together_are_stored_in_their_order_and_read_back_by_recipient()
    {
        var store = await Open();
        var sent = Enumerable.Range(0, 20).Select(i => Message($"b{i}", i % 2 == 0 ? ["bob"] : ["bob", "carol"])).ToList();

        var stored = await store.Messages.AppendAll(sent);

        stored.Select(m => m.Id).ShouldBe(sent.Select(m => m.Id));
        stored.Select(m => m.Sequence).ShouldBe(stored.Select(m => m.Sequence).Order().Distinct());
        var toBob = await store.Messages.List(new MessageQuery(Recipient: "bob", Ascending: true, Limit: 50), null);
        toBob.Items.Select(m => m.Content).ShouldBe(sent.Select(m => m.Content));
        toBob.Items.Select(m => m.Sequence).ShouldBe(stored.Select(m => m.Sequence));
        (await store.Messages.List(new MessageQuery(Recipient: "carol", Limit: 50), null)).Items.Count.ShouldBe(10);
    }

    [Fact]
    public async Task A_keyed_message_is_found_with_its_request_hash_and_a_second_append_of_its_id_stores_nothing()
    {
        var store = await Open();
        var (keyed, plain, other) = (Message("keyed", ["bob"]), Message("plain", ["bob"]), Message("other", ["bob"]));

        var stored = await store.Messages.AppendAll([keyed, plain], ["hash-1", null]);
        var channel = await store.Messages.Append(Message("posted", []) with { Channel = "room" }, 1, requestHash: "hash-2");

        var found = await store.Messages.FindKeyed([keyed.Id, plain.Id, channel.Id, Guid.NewGuid()]);
        found.Select(k => (k.Message.Id, k.RequestHash)).OrderBy(k => k.RequestHash)
            .ShouldBe([(keyed.Id, "hash-1"), (channel.Id, "hash-2")]);
        var read = found.Single(k => k.Message.Id == keyed.Id).Message;
        (read.Sequence, read.Content, read.CreatedAt).ShouldBe((stored[0].Sequence, "keyed", keyed.CreatedAt));
        // The whole call stores nothing when one of its keyed ids is taken (a second attempt of a send running at once).
        await Should.ThrowAsync<KeyedMessageExistsException>(() => store.Messages.AppendAll([other, keyed with { Content = "again" }], [null, "hash-1"]));
        (await store.Messages.List(new MessageQuery(Recipient: "bob", Limit: 50), null)).Items.Select(m => m.Content).Order().ShouldBe(["keyed", "plain"]);
    }

    [Fact]
    public async Task Messages_appended_together_count_for_their_senders_in_their_hours()
    {
        var store = await Open();
        var nextHour = Epoch.AddHours(1);
        List<MessageInfo> sent =
        [
            Message("1", ["bob"]), Message("2", ["bob"]) with { Sender = "Dave" }, Message("3", ["bob"]),
            Message("4", ["bob"]) with { CreatedAt = nextHour }, Message("5", ["bob"]) with { Sender = "dave" },
        ];

        await store.Messages.AppendAll(sent);

        var hour = StatsWindow.HourOf(Epoch.ToUnixTimeMilliseconds());
        var counted = (await store.Stats.Activity(hour, hour + 2 * StatsWindow.HourMs, null))
            .Select(row => (row.Hour - hour, row.Agent, row.MessagesSent)).Order().ToList();
        counted.ShouldBe([(0L, "alice", 2L), (0L, "dave", 2L), (StatsWindow.HourMs, "alice", 1L)]);
    }

    [Fact]
    public async Task A_message_reads_back_exactly_as_appended()
    {
        var store = await Open();
        var taskId = Guid.CreateVersion7();
        var sent = Message("hello ✓", ["Bob", "carol"]) with
        {
            TaskId = taskId, MessageType = "question", Metadata = RawJson.Parse("""{"k":[1,2]}"""),
        };

        var appended = await store.Messages.Append(sent, null);
        var read = await store.Messages.Get(sent.Id, null);

        read.ShouldNotBeNull();
        read.Sequence.ShouldBe(appended.Sequence);
        read.Id.ShouldBe(sent.Id);
        read.Sender.ShouldBe("alice");
        read.Recipients.ShouldBe(["Bob", "carol"]);
        read.TaskId.ShouldBe(taskId);
        read.Content.ShouldBe("hello ✓");
        read.MessageType.ShouldBe("question");
        read.Metadata.Text.ShouldBe("""{"k":[1,2]}""");
        read.CreatedAt.ShouldBe(sent.CreatedAt);
        (await store.Messages.Get(Guid.NewGuid(), null)).ShouldBeNull();
    }

    [Fact]
    public async Task Message_history_filters_by_recipient_sender_channel_task_and_time()
    {
        var store = await Open();
        var taskId = Guid.CreateVersion7();
        await store.Messages.Append(Message("to bob", ["bob"]), null);
        await store.Messages.Append(Message("from dave", ["bob"]) with { Sender = "Dave" }, null);
        await store.Messages.Append(Message("in general", []) with { Channel = "General" }, 1);
        await store.Messages.Append(Message("in general again", []) with { Channel = "general" }, 2);
        await store.Messages.Append(Message("about the task", ["carol"]) with { TaskId = taskId, CreatedAt = Epoch.AddHours(1) }, null);

        Contents(await store.Messages.List(new MessageQuery(Recipient: "BOB"), null)).ShouldBe(["from dave", "to bob"]);
        Contents(await store.Messages.List(new MessageQuery(Sender: "dave"), null)).ShouldBe(["from dave"]);
        Contents(await store.Messages.List(new MessageQuery(Channel: "general", Ascending: true), null)).ShouldBe(["in general", "in general again"]);
        Contents(await store.Messages.List(new MessageQuery(TaskId: taskId), null)).ShouldBe(["about the task"]);
        Contents(await store.Messages.List(new MessageQuery(Since: Epoch.AddMinutes(30)), null)).ShouldBe(["about the task"]);
        (await store.Messages.List(new MessageQuery(Before: Epoch.AddMinutes(30)), null)).Items.Count.ShouldBe(4);
        (await store.Messages.LastChannelSequence("general")).ShouldBe(2);
        (await store.Messages.LastChannelSequence("elsewhere")).ShouldBe(0);
    }

    [Fact]
    public async Task Message_pages_follow_their_cursor_in_either_order_without_gaps_or_repeats()
    {
        var store = await Open();
        for (var i = 0; i < 7; i++)
        {
            await store.Messages.Append(Message($"m{i}", ["erin"]), null);
        }

        foreach (var ascending in new[] { true, false })
        {
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = await store.Messages.List(new MessageQuery(Recipient: "erin", Limit: 3, Cursor: cursor, Ascending: ascending), null);
                seen.AddRange(Contents(page));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            var expected = Enumerable.Range(0, 7).Select(i => $"m{i}");
            seen.ShouldBe(ascending ? expected : expected.Reverse());
        }
    }

    [Fact]
    public async Task Agents_list_by_status_type_and_capability_with_their_open_task_counts()
    {
        var store = await Open();
        await store.SaveAgent(Agent("Alpha", AgentStatus.Online, "llm", "python", "review"));
        await store.SaveAgent(Agent("beta", AgentStatus.Offline, "tool", "python"));
        await store.Tasks.Upsert(TaskWith(AgentTaskStatus.InProgress) with { AssignedTo = "ALPHA" });
        await store.Tasks.Upsert(TaskWith(AgentTaskStatus.Completed) with { AssignedTo = "alpha" });

        var all = await store.Agents.List(new AgentQuery());
        all.Select(a => (a.Name, a.ActiveTaskCount)).ShouldBe([("Alpha", 1), ("beta", 0)]);
        (await store.Agents.List(new AgentQuery(Status: AgentStatus.Offline))).Select(a => a.Name).ShouldBe(["beta"]);
        (await store.Agents.List(new AgentQuery(Type: "llm"))).Select(a => a.Name).ShouldBe(["Alpha"]);
        (await store.Agents.List(new AgentQuery(Capability: "python"))).Select(a => a.Name).ShouldBe(["Alpha", "beta"]);
        (await store.Agents.List(new AgentQuery(Capability: "review"))).Select(a => a.Name).ShouldBe(["Alpha"]);
        (await store.Agents.FindNameById(all[0].Id)).ShouldBe("alpha");
        (await store.Agents.FindNameById(Guid.NewGuid())).ShouldBeNull();
    }

    [Fact]
    public async Task An_agent_upsert_replaces_its_status_and_capabilities()
    {
        var store = await Open();
        var agent = Agent("gamma", AgentStatus.Online, "llm", "python");
        await store.SaveAgent(agent);

        await store.SaveAgent(agent with { Status = AgentStatus.Busy, Capabilities = ["rust"] });

        var listed = (await store.Agents.List(new AgentQuery())).ShouldHaveSingleItem();
        listed.Status.ShouldBe(AgentStatus.Busy);
        listed.Capabilities.ShouldBe(["rust"]);
        (await store.Agents.List(new AgentQuery(Capability: "python"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task Candidates_are_online_agents_with_every_capability_and_a_free_slot_least_loaded_first()
    {
        var store = await Open();
        await store.SaveAgent(Agent("busy-one", AgentStatus.Online, "llm", "python", "sql"));
        await store.SaveAgent(Agent("idle-one", AgentStatus.Online, "llm", "python", "sql", "extra"));
        await store.SaveAgent(Agent("half", AgentStatus.Online, "llm", "python"));
        await store.SaveAgent(Agent("away", AgentStatus.Offline, "llm", "python", "sql"));
        await store.Tasks.Upsert(TaskWith(AgentTaskStatus.Assigned) with { AssignedTo = "busy-one" });
        await store.Tasks.Upsert(TaskWith(AgentTaskStatus.InProgress) with { AssignedTo = "busy-one" });
        await store.Tasks.Upsert(TaskWith(AgentTaskStatus.Completed) with { AssignedTo = "half" });

        (await store.Agents.Candidates(["python", "sql"], maxActive: 4)).Select(a => (a.Name, a.ActiveTaskCount)).ShouldBe([("idle-one", 0), ("busy-one", 2)]);
        (await store.Agents.Candidates([], maxActive: 4)).Select(a => a.Name).ShouldBe(["half", "idle-one", "busy-one"]);
        (await store.Agents.Candidates(["python", "sql"], maxActive: 2)).Select(a => a.Name).ShouldBe(["idle-one"]);
        (await store.Agents.Candidates([], maxActive: 4, limit: 2)).Select(a => a.Name).ShouldBe(["half", "idle-one"], "the first of the same order");
    }

    [Fact]
    public async Task Candidates_come_in_the_order_the_assignment_policy_ranks_them_names_compared_ordinally()
    {
        var store = await Open();
        // Punctuation sorts differently under a language's collation than ordinally ('-' < '.' < digits < '_' < letters).
        foreach (var name in new[] { "b", "a_x", "a1", "a.x", "a-x", "ax" })
        {
            await store.SaveAgent(Agent(name, AgentStatus.Online, "llm"));
        }

        var candidates = await store.Agents.Candidates([], maxActive: 4);

        candidates.Select(a => a.Name).ShouldBe(AssignmentPolicy.Rank(candidates.Reverse(), [], maxActive: 4).Select(a => a.Name));
        candidates.Select(a => a.Name).ShouldBe(["a-x", "a.x", "a1", "a_x", "ax", "b"]);
    }

    [Fact]
    public async Task Tasks_list_newest_first_by_filters_and_pages()
    {
        var store = await Open();
        var tasks = new List<TaskInfo>();
        for (var i = 0; i < 5; i++)
        {
            var task = TaskWith(i % 2 == 0 ? AgentTaskStatus.Pending : AgentTaskStatus.Assigned) with
            {
                Title = $"t{i}", Priority = i == 4 ? 1 : 3, Creator = i == 0 ? "Zed" : "alice", AssignedTo = i % 2 == 0 ? null : "bob",
            };
            tasks.Add(task);
            await store.Tasks.Upsert(task);
        }

        Titles(await store.Tasks.List(new TaskQuery())).ShouldBe(["t4", "t3", "t2", "t1", "t0"]);
        Titles(await store.Tasks.List(new TaskQuery(Status: AgentTaskStatus.Pending))).ShouldBe(["t4", "t2", "t0"]);
        Titles(await store.Tasks.List(new TaskQuery(Assignee: "BOB"))).ShouldBe(["t3", "t1"]);
        Titles(await store.Tasks.List(new TaskQuery(Creator: "zed"))).ShouldBe(["t0"]);
        Titles(await store.Tasks.List(new TaskQuery(Priority: 1))).ShouldBe(["t4"]);
        var first = await store.Tasks.List(new TaskQuery(Limit: 2));
        Titles(first).ShouldBe(["t4", "t3"]);
        Titles(await store.Tasks.List(new TaskQuery(Limit: 10, Cursor: first.NextCursor))).ShouldBe(["t2", "t1", "t0"]);

        (await store.Tasks.Waiting(10)).Select(t => t.Title).ShouldBe(["t4", "t0", "t2"]);
        (await store.Tasks.HeldBy("bob")).ShouldBe([tasks[1].Id, tasks[3].Id], ignoreOrder: true);
        (await store.Tasks.WithStatus([AgentTaskStatus.Pending])).ShouldBe([tasks[0].Id, tasks[2].Id, tasks[4].Id], ignoreOrder: true);
    }

    [Fact]
    public async Task A_task_upsert_moves_it_between_statuses_and_assignees()
    {
        var store = await Open();
        var task = TaskWith(AgentTaskStatus.Assigned) with { AssignedTo = "bob" };
        await store.Tasks.Upsert(task);

        await store.Tasks.Upsert(task with { Status = AgentTaskStatus.Completed, Result = RawJson.Parse("""{"ok":true}""") });

        (await store.Tasks.HeldBy("bob")).ShouldBeEmpty();
        var listed = (await store.Tasks.List(new TaskQuery())).Items.ShouldHaveSingleItem();
        listed.Status.ShouldBe(AgentTaskStatus.Completed);
        listed.Result!.Value.Text.ShouldBe("""{"ok":true}""");
    }

    [Fact]
    public async Task A_task_save_over_a_version_another_write_replaced_is_refused_and_changes_nothing()
    {
        var store = await Open();
        var task = TaskWith(AgentTaskStatus.Assigned) with { AssignedTo = "bob" };
        (await store.Tasks.Save(task, [1], expectedVersion: 0, owesNotices: false)).ShouldBe(1);

        await Should.ThrowAsync<Orleans.Storage.InconsistentStateException>(
            () => store.Tasks.Save(task with { Status = AgentTaskStatus.Completed }, [2], expectedVersion: 0, owesNotices: false));

        var stored = (await store.Tasks.ReadState(task.Id)).ShouldNotBeNull();
        stored.State.ShouldBe([1]);
        stored.Version.ShouldBe(1);
        (await store.Tasks.List(new TaskQuery())).Items.ShouldHaveSingleItem().Status.ShouldBe(AgentTaskStatus.Assigned);
        (await store.Tasks.Save(task with { Status = AgentTaskStatus.Completed }, [2], expectedVersion: 1, owesNotices: false)).ShouldBe(2);
        (await store.Tasks.List(new TaskQuery())).Items.ShouldHaveSingleItem().Status.ShouldBe(AgentTaskStatus.Completed);
    }

    [Fact]
    public async Task Concurrent_saves_of_one_version_have_one_winner_and_the_other_tasks_written_with_them_commit()
    {
        var store = await Open();
        var contested = TaskWith(AgentTaskStatus.Pending);
        var others = Enumerable.Range(0, 20).Select(_ => TaskWith(AgentTaskStatus.Pending)).ToList();

        var contestedSaves = Enumerable.Range(0, 20)
            .Select(i => store.Tasks.Save(contested with { Title = $"writer {i}" }, [(byte)i], expectedVersion: 0, owesNotices: false)).ToList();
        var otherSaves = others.Select(task => store.Tasks.Save(task, [7], expectedVersion: 0, owesNotices: false)).ToList();
        await Task.WhenAll(contestedSaves.Concat(otherSaves).Select(save => save.ContinueWith(_ => { }, TaskScheduler.Default)));

        var winners = contestedSaves.Where(save => save.IsCompletedSuccessfully).ToList();
        winners.Count.ShouldBe(1);
        contestedSaves.Where(save => !save.IsCompletedSuccessfully)
            .ShouldAllBe(save => save.Exception!.InnerException is Orleans.Storage.InconsistentStateException);
        otherSaves.ShouldAllBe(save => save.IsCompletedSuccessfully && save.Result == 1);
        var winner = contestedSaves.IndexOf(winners[0]);
        (await store.Tasks.ReadState(contested.Id))!.State.ShouldBe([(byte)winner]);
        (await store.Tasks.List(new TaskQuery(Limit: 100))).Items.Single(task => task.Id == contested.Id).Title.ShouldBe($"writer {winner}");
    }

    [Fact]
    public async Task A_grain_state_save_over_a_version_another_write_replaced_is_refused_with_its_rows()
    {
        var store = await Open();
        (await store.Memory.Save(MemoryAt("cas/one", 1, AccessControl.Open), 10, new GrainStateWrite("memory", "cas/one", [1], 0))).ShouldBe(1);

        await Should.ThrowAsync<Orleans.Storage.InconsistentStateException>(
            () => store.Memory.Save(MemoryAt("cas/one", 2, AccessControl.Open), 10, new GrainStateWrite("memory", "cas/one", [2], 0)));
        await Should.ThrowAsync<Orleans.Storage.InconsistentStateException>(
            () => store.Memory.Remove("cas/one", new GrainStateWrite("memory", "cas/one", null, 0)));

        (await store.States.Read("memory", "cas/one")).ShouldNotBeNull().Version.ShouldBe(1);
        (await store.States.Read("memory", "cas/one"))!.State.ShouldBe([1]);
        (await store.Memory.List(Caller.Operator, "cas/", 10, null)).Items.ShouldHaveSingleItem().Version.ShouldBe(1);
        (await store.Memory.History("cas/one", 10)).ShouldHaveSingleItem().Version.ShouldBe(1);
        var hour = StatsWindow.HourOf(Epoch.ToUnixTimeMilliseconds());
        (await store.Stats.Activity(hour, hour + 2 * StatsWindow.HourMs, "alice")).Sum(row => row.MemoryWrites).ShouldBe(1);

        (await store.Memory.Save(MemoryAt("cas/one", 2, AccessControl.Open), 10, new GrainStateWrite("memory", "cas/one", [2], 1))).ShouldBe(2);
        (await store.Memory.History("cas/one", 10)).Select(version => version.Version).ShouldBe([2L, 1L]);
    }

    [Fact]
    public async Task A_retired_agent_keeps_its_row_but_leaves_listings_candidates_and_the_stale_sweep()
    {
        var store = await Open();
        var retired = Agent("retired-one", AgentStatus.Offline, "llm", "python");
        await store.SaveAgent(retired);
        await store.SaveAgent(Agent("kept-one", AgentStatus.Online, "llm", "python"));
        await store.SaveAgent(Agent("stale-one", AgentStatus.Offline, "llm", "python") with { LastSeen = Epoch.AddHours(-2) });
        await store.SaveAgent(Agent("fresh-one", AgentStatus.Offline, "llm") with { LastSeen = Epoch.AddHours(1) });
        (await store.Agents.Stale(Epoch.AddHours(-1), 10)).ShouldBe(["stale-one"]);
        (await store.Agents.Stale(Epoch.AddMinutes(1), 10)).ShouldBe(["retired-one", "stale-one"]);

        await store.SaveAgent(retired with { Status = AgentStatus.Online }, retiredAt: Epoch);

        (await store.Agents.List(new AgentQuery())).Select(a => a.Name).ShouldBe(["fresh-one", "kept-one", "stale-one"]);
        (await store.Agents.List(new AgentQuery(Capability: "python"))).Select(a => a.Name).ShouldBe(["kept-one", "stale-one"]);
        (await store.Agents.Candidates(["python"], maxActive: 4)).Select(a => a.Name).ShouldBe(["kept-one"]);
        (await store.Agents.Stale(Epoch.AddMinutes(1), 10)).ShouldBe(["stale-one"]);
        (await store.Agents.FindNameById(retired.Id)).ShouldBe("retired-one");

        await store.SaveAgent(retired, retiredAt: null);
        (await store.Agents.List(new AgentQuery())).Select(a => a.Name).ShouldContain("retired-one");
    }

    [Fact]
    public async Task Concurrent_grain_state_saves_of_one_version_have_one_winner_and_the_writes_batched_with_them_commit()
    {
        var store = await Open();
        var contested = Agent("contested", AgentStatus.Online, "llm");
        var others = Enumerable.Range(0, 20).Select(i => Agent($"other-{i}", AgentStatus.Online, "llm", "python")).ToList();

        var contestedSaves = Enumerable.Range(0, 20)
            .Select(i => store.Agents.Save(contested with { Type = $"writer-{i}" }, retiredAt: null, new GrainStateWrite("agent", "contested", [(byte)i], 0))).ToList();
        var otherSaves = others.Select(agent => store.Agents.Save(agent, retiredAt: null, new GrainStateWrite("agent", agent.Name, [7], 0))).ToList();
        await Task.WhenAll(contestedSaves.Concat(otherSaves).Select(save => save.ContinueWith(_ => { }, TaskScheduler.Default)));

        var winners = contestedSaves.Where(save => save.IsCompletedSuccessfully).ToList();
        winners.Count.ShouldBe(1);
        contestedSaves.Where(save => !save.IsCompletedSuccessfully)
            .ShouldAllBe(save => save.Exception!.InnerException is Orleans.Storage.InconsistentStateException);
        otherSaves.ShouldAllBe(save => save.IsCompletedSuccessfully && save.Result == 1);
        var winner = contestedSaves.IndexOf(winners[0]);
        (await store.States.Read("agent", "contested"))!.State.ShouldBe([(byte)winner]);
        var listed = await store.Agents.List(new AgentQuery());
        listed.Single(agent => agent.Name == "contested").Type.ShouldBe($"writer-{winner}");
        (await store.Agents.List(new AgentQuery(Capability: "python"))).Count.ShouldBe(20);
    }

    [Fact]
    public async Task Task_counts_by_status_come_from_the_tasks_table()
    {
        var store = await Open();
        await Task.WhenAll(
            store.Tasks.Upsert(TaskWith(AgentTaskStatus.Pending)), store.Tasks.Upsert(TaskWith(AgentTaskStatus.Pending)),
            store.Tasks.Upsert(TaskWith(AgentTaskStatus.InProgress)), store.Tasks.Upsert(TaskWith(AgentTaskStatus.Completed)));

        var counts = await store.Tasks.CountByStatus();

        counts.ShouldBe(new Dictionary<AgentTaskStatus, int>
        {
            [AgentTaskStatus.Pending] = 2, [AgentTaskStatus.InProgress] = 1, [AgentTaskStatus.Completed] = 1,
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task Memory_history_keeps_the_newest_versions_only()
    {
        var store = await Open();
        for (var version = 1; version <= 5; version++)
        {
            await store.SaveMemory(MemoryAt("notes/a", version, AccessControl.Open), historyVersions: 3);
        }

        (await store.Memory.History("notes/a", 10)).Select(v => v.Version).ShouldBe([5L, 4L, 3L]);
        (await store.Memory.Version("notes/a", 4))!.Value.Text.ShouldBe("""{"v":4}""");
        (await store.Memory.Version("notes/a", 1)).ShouldBeNull();
        (await store.Memory.History("notes/a", 1)).ShouldHaveSingleItem().Version.ShouldBe(5);
    }

    [Fact]
    public async Task Memory_listings_show_each_caller_only_what_it_may_read_by_prefix_and_page()
    {
        var store = await Open();
        await store.SaveMemory(MemoryAt("proj/open", 1, AccessControl.Open), 10);
        await store.SaveMemory(MemoryAt("proj/bobs", 1, new AccessControl(["Bob"], ["Bob"])), 10);
        await store.SaveMemory(MemoryAt("proj/private", 1, new AccessControl([], [])), 10);
        await store.SaveMemory(MemoryAt("proj_x/under_score", 1, AccessControl.Open), 10);
        await store.SaveMemory(MemoryAt("other", 1, AccessControl.Open), 10);

        Keys(await store.Memory.List(Caller.Agent("bob"), "proj/", 10, null)).ShouldBe(["proj/bobs", "proj/open"]);
        Keys(await store.Memory.List(Caller.Agent("carol"), "proj/", 10, null)).ShouldBe(["proj/open"]);
        Keys(await store.Memory.List(Caller.Agent("alice"), "proj/", 10, null)).ShouldBe(["proj/bobs", "proj/open", "proj/private"]);
        Keys(await store.Memory.List(Caller.Operator, null, 10, null)).ShouldBe(["other", "proj/bobs", "proj/open", "proj/private", "proj_x/under_score"]);
        Keys(await store.Memory.List(Caller.Operator, "proj_", 10, null)).ShouldBe(["proj_x/under_score"]);

        var first = await store.Memory.List(Caller.Operator, null, 2, null);
        Keys(first).ShouldBe(["other", "proj/bobs"]);
        Keys(await store.Memory.List(Caller.Operator, null, 10, first.NextCursor)).ShouldBe(["proj/open", "proj/private", "proj_x/under_score"]);
    }

    [Fact]
    public async Task Expired_memory_keys_are_found_by_time_and_removed_keys_are_forgotten()
    {
        var store = await Open();
        await store.SaveMemory(MemoryAt("ttl/soon", 1, AccessControl.Open) with { ExpiresAt = Epoch.AddSeconds(10) }, 10);
        await store.SaveMemory(MemoryAt("ttl/later", 1, AccessControl.Open) with { ExpiresAt = Epoch.AddHours(1) }, 10);
        await store.SaveMemory(MemoryAt("ttl/never", 1, AccessControl.Open), 10);

        (await store.Memory.Expired(Epoch.AddMinutes(1), 10)).ShouldBe(["ttl/soon"]);

        await store.RemoveMemory("ttl/soon");
        (await store.States.Read("memory", "ttl/soon")).ShouldBe(new StoredGrainState(null, 2), "the tombstone keeps the version");
        (await store.Memory.Expired(Epoch.AddMinutes(1), 10)).ShouldBeEmpty();
        (await store.Memory.History("ttl/soon", 10)).ShouldBeEmpty();
        Keys(await store.Memory.List(Caller.Operator, "ttl/", 10, null)).ShouldBe(["ttl/later", "ttl/never"]);
    }

    [Fact]
    public async Task Channels_list_with_members_and_their_last_message_sequence()
    {
        var store = await Open();
        await store.SaveChannel(new ChannelInfo("general", ["alice"], 0, Epoch));
        await store.SaveChannel(new ChannelInfo("general", ["alice", "bob"], 0, Epoch));
        await store.SaveChannel(new ChannelInfo("quiet", [], 0, Epoch));
        await store.Messages.Append(Message("hi", []) with { Channel = "general" }, 1);
        await store.Messages.Append(Message("again", []) with { Channel = "general" }, 2);

        (await store.Channels.List()).ShouldBe([new ChannelSummary("general", 2, 2, Epoch), new ChannelSummary("quiet", 0, 0, Epoch)]);
    }

    [Fact]
    public async Task An_inbox_replays_messages_and_task_events_in_sequence_order_by_page()
    {
        var store = await Open();
        var message = await store.Messages.Append(Message("for bob", ["bob"]), null);
        var task = TaskWith(AgentTaskStatus.Assigned) with { AssignedTo = "bob" };
        await store.Inbox.Append("bob", [
            (1, new InboxItem(EventNames.MessageReceived, RawJson.EmptyObject, message.Sequence)),
            (2, new InboxItem(EventNames.TaskAssigned, RawJson.Serialize(task, AgentChannelJson.Options))),
        ]);
        await store.Inbox.Append("bob", [(3, new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"x":1}""")))]);

        var first = await store.Inbox.Read("bob", 0, 2);
        first.HasMore.ShouldBeTrue();
        first.Events.Select(e => (e.Event, e.Seq)).ShouldBe([(EventNames.MessageReceived, 1L), (EventNames.TaskAssigned, 2L)]);
        first.Events[0].Data.Deserialize<MessageInfo>(AgentChannelJson.Options)!.Content.ShouldBe("for bob");
        first.Events[1].Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!.Id.ShouldBe(task.Id);
        var rest = await store.Inbox.Read("bob", 2, 2);
        rest.HasMore.ShouldBeFalse();
        rest.Events.ShouldHaveSingleItem().Data.Text.ShouldBe("""{"x":1}""");
        (await store.Inbox.LastSequence("bob")).ShouldBe(3);
        (await store.Inbox.LastSequence("nobody")).ShouldBe(0);
    }

    [Fact]
    public async Task An_inbox_append_that_repeats_a_sequence_is_refused_whole_and_changes_nothing()
    {
        var store = await Open();
        await store.Inbox.Append("dan", [(1, new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"n":1}""")))]);

        await Should.ThrowAsync<Exception>(() => store.Inbox.Append("dan", [
            (2, new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"n":2}"""))),
            (1, new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"n":"again"}"""))),
        ]));

        (await store.Inbox.Read("dan", 0, 10)).Events.Select(e => e.Data.Text).ShouldBe(["""{"n":1}"""]);
        await store.Inbox.Append("dan", [(2, new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"n":2}""")))]);
        (await store.Inbox.LastSequence("dan")).ShouldBe(2);
    }

    [Fact]
    public async Task A_delivery_key_is_stored_once_per_inbox_and_found_again()
    {
        var store = await Open();
        var keyed = new InboxItem(EventNames.TaskAssigned, RawJson.Parse("""{"n":1}"""), DeliveryKey: "task/x/1");
        await store.Inbox.Append("erin", [(1, keyed)]);
        await store.Inbox.Append("frank", [(1, keyed)]);

        (await store.Inbox.Delivered("erin", ["task/x/1", "task/x/2"])).ShouldBe(["task/x/1"]);
        (await store.Inbox.Delivered("gina", ["task/x/1"])).ShouldBeEmpty();
        await Should.ThrowAsync<Exception>(() => store.Inbox.Append("erin", [(2, keyed)]));
        (await store.Inbox.LastSequence("erin")).ShouldBe(1);
    }

    [Fact]
    public async Task A_stored_message_is_owed_to_its_inboxes_until_each_stores_it_and_an_inbox_takes_it_only_once()
    {
        var store = await Open();
        var direct = (await store.Messages.AppendAll([Message("to both", ["Bob", "carol", "operator"])]))[0];
        var post = await store.Messages.Append(Message("posted", []) with { Channel = "general" }, 1, deliverTo: ["dave"]);
        OwedTo(await store.Messages.Owed(Epoch.AddSeconds(1), 0, 100))
            .ShouldBe([("bob", direct.Sequence), ("carol", direct.Sequence), ("dave", post.Sequence)], ignoreOrder: true);
        (await store.Messages.Owed(Epoch, 0, 100)).ShouldBeEmpty("only messages created before the given time");
        (await store.Messages.Owed(Epoch.AddSeconds(1), direct.Sequence, 100)).Single().AgentKey.ShouldBe("dave");

        var item = new InboxItem(EventNames.MessageReceived, RawJson.EmptyObject, direct.Sequence);
        await store.Inbox.Append("bob", [(1, item)]);
        (await store.Inbox.StillOwed("bob", [direct.Sequence])).ShouldBeEmpty();
        (await store.Inbox.StillOwed("carol", [direct.Sequence])).ShouldBe([direct.Sequence]);
        OwedTo(await store.Messages.Owed(Epoch.AddSeconds(1), 0, 100))
            .ShouldBe([("carol", direct.Sequence), ("dave", post.Sequence)], ignoreOrder: true);

        // Offered again (a redelivery crossing the first): refused whole, with what was sent beside it.
        var other = new InboxItem(EventNames.TaskUpdated, RawJson.Parse("""{"n":1}"""));
        await Should.ThrowAsync<DeliveryNotOwedException>(() => store.Inbox.Append("bob", [(2, other), (3, item)]));
        (await store.Inbox.LastSequence("bob")).ShouldBe(1);
        (await store.Inbox.Read("bob", 0, 10)).Events.Count.ShouldBe(1);
    }

    private static List<(string, long)> OwedTo(IReadOnlyList<OwedDelivery> owed) =>
        [.. owed.Select(delivery => (delivery.AgentKey, delivery.Message.Sequence))];

    [Fact]
    public async Task Tasks_owing_notices_are_found_until_a_save_says_they_owe_none()
    {
        var store = await Open();
        var owing = TaskWith(AgentTaskStatus.Completed);
        var settled = TaskWith(AgentTaskStatus.Completed);
        await store.Tasks.Save(owing, [1], expectedVersion: 0, owesNotices: true);
        await store.Tasks.Save(settled, [1], expectedVersion: 0, owesNotices: false);

        (await store.Tasks.OwingNotices()).ShouldBe([owing.Id]);
        await store.Tasks.Save(owing, [2], expectedVersion: 1, owesNotices: false);
        (await store.Tasks.OwingNotices()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Webhooks_keep_their_secret_and_a_bounded_delivery_log_and_a_delete_removes_both()
    {
        var store = await Open();
        var webhook = new WebhookInfo(Guid.NewGuid(), "https://example.test/hook", ["task:*"], "operator", Epoch);
        await store.SaveWebhook(new WebhookTarget(webhook, "secret-1"));
        await store.SaveWebhook(new WebhookTarget(webhook with { Url = "https://example.test/v2" }, "secret-2"));

        var listed = (await store.Webhooks.List()).ShouldHaveSingleItem();
        listed.Info.ShouldBe(webhook with { Url = "https://example.test/v2" }, new WebhookInfoComparer());
        listed.Secret.ShouldBe("secret-2");

        var deliveries = Enumerable.Range(0, 4).Select(i => new WebhookDelivery(
            Guid.NewGuid(), webhook.Id, Guid.NewGuid(), "task:updated", WebhookDeliveryStatus.Pending, 0, null, null,
            Epoch.AddSeconds(i), Epoch.AddSeconds(i))).ToList();
        foreach (var delivery in deliveries)
        {
            await store.Webhooks.RecordDelivery(delivery, keepPerWebhook: 3);
        }
        await store.Webhooks.RecordDelivery(deliveries[3] with { Status = WebhookDeliveryStatus.Failed, Attempts = 2, LastStatusCode = 500, LastError = "boom" }, 3);

        var log = await store.Webhooks.Deliveries(webhook.Id, 10);
        log.Select(d => d.Id).ShouldBe([deliveries[3].Id, deliveries[2].Id, deliveries[1].Id]);
        log[0].Status.ShouldBe(WebhookDeliveryStatus.Failed);
        log[0].LastStatusCode.ShouldBe(500);
        log[0].LastError.ShouldBe("boom");

        await store.DeleteWebhook(webhook.Id);
        (await store.Webhooks.List()).ShouldBeEmpty();
        (await store.Webhooks.Deliveries(webhook.Id, 10)).ShouldBeEmpty();
        await store.Webhooks.RecordDelivery(deliveries[0] with { Id = Guid.NewGuid() }, 3);
        (await store.Webhooks.Deliveries(webhook.Id, 10)).ShouldBeEmpty("no delivery is recorded for a deleted webhook");
    }

    /// <summary>Records with lists compare their lists by reference; this compares them by content.</summary>
    private sealed class WebhookInfoComparer : IEqualityComparer<WebhookInfo>
    {
        public bool Equals(WebhookInfo? x, WebhookInfo? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Url == y.Url && x.Events.SequenceEqual(y.Events)
            && x.CreatedBy == y.CreatedBy && x.CreatedAt == y.CreatedAt;

        public int GetHashCode(WebhookInfo obj) => obj.Id.GetHashCode();
    }

    [Fact]
    public async Task The_reports_read_task_times_and_the_activity_counters_the_writers_keep()
    {
        var store = await Open();
        var hour = Epoch.ToUnixTimeMilliseconds();
        var first = await store.Messages.Append(Message("one", ["bob"]), null);
        var second = await store.Messages.Append(Message("two", ["bob"]), null);
        await store.Inbox.Append("bob", [
            (1, new InboxItem(EventNames.MessageReceived, RawJson.Null, first.Sequence)),
            (2, new InboxItem(EventNames.MessageReceived, RawJson.Null, second.Sequence)),
            (3, new InboxItem(EventNames.TaskAssigned, RawJson.EmptyObject))]);
        await store.SaveMemory(MemoryAt("notes/stats", 1, AccessControl.Open), 10);
        var assignedAt = Epoch.AddMinutes(5);
        var task = TaskWith(AgentTaskStatus.Completed) with
        {
            AssignedTo = "Bob", CompletedAt = Epoch.AddMinutes(20),
            Requirements = RawJson.Parse("""{"capabilities":["b","a"]}"""),
            Assignments = [new TaskAssignment(Guid.NewGuid(), "carol", AssignmentStatus.Cancelled, assignedAt, assignedAt.AddMinutes(1), "engine"),
                           new TaskAssignment(Guid.NewGuid(), "Bob", AssignmentStatus.Completed, assignedAt.AddMinutes(1), Epoch.AddMinutes(20), "engine")],
        };
        await store.Tasks.Upsert(task);

        var created = (await store.Stats.TasksCreated(hour, hour + StatsWindow.HourMs, "alice")).ShouldHaveSingleItem();
        created.Status.ShouldBe("completed");
        created.Creator.ShouldBe("alice");
        created.Assignee.ShouldBe("bob");
        created.Capabilities.ShouldBe("""["a","b"]""");
        created.CreatedAt.ShouldBe(hour);
        created.FirstAssignedAt.ShouldBe(assignedAt.ToUnixTimeMilliseconds());
        created.ClosedAt.ShouldBe(Epoch.AddMinutes(20).ToUnixTimeMilliseconds());
        created.Assignments.ShouldBe(2);
        (await store.Stats.TasksCreated(hour, hour + StatsWindow.HourMs, "bob")).ShouldBeEmpty();
        (await store.Stats.TasksClosed(hour, hour + StatsWindow.HourMs, "bob")).ShouldHaveSingleItem().Row.ShouldBe(created.Row);
        (await store.Stats.TasksClosed(hour + StatsWindow.HourMs, hour + 2 * StatsWindow.HourMs, null)).ShouldBeEmpty();
        (await store.Stats.Names([created.Row]))[created.Row].ShouldBe(new StatsTaskName(task.Id, "t"));

        // The inbox counts at its own write time; the log and memory at the record's time.
        var activity = await store.Stats.Activity(hour, long.MaxValue - StatsWindow.HourMs, null);
        var alice = activity.Where(row => row.Agent == "alice").ShouldHaveSingleItem();
        alice.Hour.ShouldBe(hour);
        (alice.MessagesSent, alice.MessagesReceived, alice.MemoryWrites).ShouldBe((2L, 0L, 1L));
        activity.Where(row => row.Agent == "bob").Sum(row => row.MessagesReceived).ShouldBe(2);
        (await store.Stats.Activity(hour, long.MaxValue - StatsWindow.HourMs, "bob")).ShouldAllBe(row => row.Agent == "bob");
    }

    [Fact]
    public async Task A_store_from_before_private_history_gets_its_readers_filled_from_its_inboxes_outbox_and_tasks()
    {
        var store = await Open();
        var post = await store.Messages.Append(Message("posted", []) with { Channel = "room" }, 1, ["bob", "carol"]);
        // bob's inbox has it (its outbox row is gone); carol's is still owed.
        await store.Inbox.Append("bob", [(1, new InboxItem(EventNames.MessageReceived, RawJson.EmptyObject, post.Sequence))]);
        var task = TaskWith(AgentTaskStatus.Assigned) with
        {
            Creator = "Boss", AssignedTo = "Second",
            Assignments = [Assignment("first", AssignmentStatus.Reassigned), Assignment("Second", AssignmentStatus.Assigned)],
        };
        await store.Tasks.Upsert(task);
        var thread = (await store.Messages.AppendAll([Message("in the thread", ["dave"]) with { TaskId = task.Id }]))[0];

        await ReopenWithoutHistoryAudience();

        foreach (var reader in new[] { "alice", "bob", "carol" })
        {
            Contents(await store.Messages.List(new MessageQuery(Channel: "room"), reader)).ShouldBe(["posted"], reader);
            (await store.Messages.Get(post.Id, reader)).ShouldNotBeNull(reader);
        }
        (await store.Messages.List(new MessageQuery(), "erin")).Items.ShouldBeEmpty();
        (await store.Messages.Get(post.Id, "erin")).ShouldBeNull();
        foreach (var reader in new[] { "boss", "first", "second", "dave" })
        {
            Contents(await store.Messages.List(new MessageQuery(TaskId: task.Id), reader)).ShouldBe(["in the thread"], reader);
            Contents(await store.Messages.List(new MessageQuery(), reader)).ShouldBe(["in the thread"], reader);
        }
        (await store.Messages.Get(thread.Id, "erin")).ShouldBeNull();
        (await store.Messages.Get(thread.Id, null)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Search_finds_every_word_ranks_reindexes_memory_on_each_write_and_forgets_deleted_and_expired_keys()
    {
        var store = await Open();
        var (everyone, onlyBob) = (new AccessControl([AccessControl.Everyone], [AccessControl.Everyone]), new AccessControl(["bob"], []));
        var stored = await store.Messages.AppendAll(
        [
            Message("The deploy.sh script failed on node-7", ["bob"]),
            Message("deploy deploy deploy: the DEPLOY went fine", ["bob"]),
            Message("nothing to see", ["bob"]),
            Message("Déploiement terminé, café", ["carol"]),
        ]);
        var search = (string q, MessageQuery? query) => store.Messages.Search(SearchText.Parse(q), query ?? new MessageQuery(), null);

        (await search("DEPLOY", null)).Items.Select(hit => hit.Message.Id).ShouldBe([stored[1].Id, stored[0].Id], "most occurrences first");
        var failed = (await search("failed node 7", null)).Items.ShouldHaveSingleItem();
        failed.Message.Id.ShouldBe(stored[0].Id);
        failed.Snippet.ShouldBe("The deploy.sh script **failed** on **node**-**7**");
        (await search("deplo*", null)).Items.Count.ShouldBe(2);
        (await search("deplo", null)).Items.ShouldBeEmpty("a word matches whole unless it ends in *");
        (await search("café", null)).Items.ShouldHaveSingleItem().Message.Id.ShouldBe(stored[3].Id);
        (await search("deploy", new MessageQuery(Recipient: "carol"))).Items.ShouldBeEmpty();
        var first = await search("deploy", new MessageQuery(Limit: 1));
        var second = await search("deploy", new MessageQuery(Limit: 1, Cursor: first.NextCursor));
        (first.Items.Single().Message.Id, second.Items.Single().Message.Id, second.NextCursor).ShouldBe((stored[1].Id, stored[0].Id, null));

        await store.SaveMemory(MemoryAt("project/alpha/plan", 1, everyone) with { Value = RawJson.Parse("""{"goal":"ship the parser"}""") }, 10);
        await store.SaveMemory(MemoryAt("notes/bob", 1, onlyBob) with { Value = RawJson.Parse("""{"text":"secret parser notes"}""") }, 10);
        await store.SaveMemory(MemoryAt("soon/gone", 1, everyone) with
        {
            Value = RawJson.Parse("""{"text":"parser cache"}"""), ExpiresAt = Epoch.AddMinutes(1),
        }, 10);
        var memory = (Caller caller, string q) => store.Memory.Search(caller, SearchText.Parse(q), null, 50, null, Epoch.AddSeconds(30));

        (await memory(Caller.Agent("carol"), "parser")).Items.Select(hit => hit.Entry.Key).Order().ShouldBe(["project/alpha/plan", "soon/gone"]);
        (await memory(Caller.Agent("Bob"), "parser")).Items.Count.ShouldBe(3);
        (await memory(Caller.Operator, "alpha")).Items.ShouldHaveSingleItem().Snippet.ShouldBe("project/**alpha**/plan", "matched by its key only");
        (await memory(Caller.Operator, "goal parser")).Items.ShouldHaveSingleItem().Snippet.ShouldBe("""{"**goal**":"ship the **parser**"}""");
        (await store.Memory.Search(Caller.Operator, SearchText.Parse("cache"), null, 50, null, Epoch.AddMinutes(2))).Items.ShouldBeEmpty("expired");

        await store.SaveMemory(MemoryAt("project/alpha/plan", 2, everyone) with { Value = RawJson.Parse("""{"goal":"write the lexer"}""") }, 10);
        (await memory(Caller.Operator, "lexer")).Items.ShouldHaveSingleItem().Entry.Version.ShouldBe(2);
        (await memory(Caller.Operator, "ship")).Items.ShouldBeEmpty("the value it had before is no longer searched");
        await store.RemoveMemory("notes/bob");
        (await memory(Caller.Operator, "secret")).Items.ShouldBeEmpty();
        (await memory(Caller.Operator, "notes")).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_store_from_before_search_gets_its_messages_and_memory_indexed()
    {
        var store = await Open();
        var message = (await store.Messages.AppendAll([Message("an archived report", ["bob"])]))[0];
        await store.SaveMemory(MemoryAt("archive/report", 3, new AccessControl([AccessControl.Everyone], [])), 10);

        await ReopenWithoutSearch();

        (await store.Messages.Search(SearchText.Parse("archived"), new MessageQuery(), "bob")).Items.ShouldHaveSingleItem().Message.Id.ShouldBe(message.Id);
        (await store.Memory.Search(Caller.Agent("carol"), SearchText.Parse("report"), null, 10, null, Epoch)).Items
            .ShouldHaveSingleItem().Entry.Version.ShouldBe(3);
        var later = (await store.Messages.AppendAll([Message("a later report", ["bob"])]))[0];
        (await store.Messages.Search(SearchText.Parse("later report"), new MessageQuery(), null)).Items.ShouldHaveSingleItem().Message.Id.ShouldBe(later.Id);
    }

    private static TaskAssignment Assignment(string agent, AssignmentStatus status) => new(Guid.CreateVersion7(), agent, status, Epoch, null, "boss");

    internal static MessageInfo Message(string content, string[] recipients) => new(
        Guid.CreateVersion7(), 0, "alice", recipients, null, null, content, MessageTypes.Default, RawJson.EmptyObject, Epoch);

    internal static TaskInfo TaskWith(AgentTaskStatus status) =>
        new(Guid.CreateVersion7(), "t", "", status, TaskPriorities.Default, "alice", null, Epoch, Epoch, null, null,
            RawJson.EmptyObject, null, [], [], 0, null, null, false);

    private static AgentInfo Agent(string name, AgentStatus status, string type, params string[] capabilities) =>
        new(Guid.NewGuid(), name, type, status, capabilities, RawJson.EmptyObject, Epoch, Epoch);

    private static MemoryEntry MemoryAt(string key, long version, AccessControl access) =>
        new(key, RawJson.Parse($$"""{"v":{{version}}}"""), version, "alice", "alice", Epoch, Epoch.AddSeconds(version), access);

    private static IEnumerable<string> Contents(MessagePage page) => page.Items.Select(m => m.Content);

    private static IEnumerable<string> Titles(TaskPage page) => page.Items.Select(t => t.Title);

    private static IEnumerable<string> Keys(MemoryKeyPage page) => page.Items.Select(k => k.Key);
}

/// <summary>Index rows for tests about what lists read: each save over the version stored, with a stand-in state.</summary>
internal static class TaskRows
{
    public static async Task Upsert(this ITaskIndex tasks, TaskInfo row) =>
        await tasks.Save(row, [0], (await tasks.ReadState(row.Id))?.Version ?? 0, owesNotices: false);

    public static async Task SaveAgent(this StoreUnderTest store, AgentInfo agent, DateTimeOffset? retiredAt = null) =>
        await store.Agents.Save(agent, retiredAt, await store.NextState("agent", Identity.AgentNames.Key(agent.Name)));

    public static async Task SaveMemory(this StoreUnderTest store, MemoryEntry entry, int historyVersions) =>
        await store.Memory.Save(entry, historyVersions, await store.NextState("memory", entry.Key));

    public static async Task RemoveMemory(this StoreUnderTest store, string key) =>
        await store.Memory.Remove(key, await store.NextState("memory", key, cleared: true));

    public static async Task SaveChannel(this StoreUnderTest store, ChannelInfo channel) =>
        await store.Channels.Save(channel, await store.NextState("channel", channel.Name));

    public static async Task SaveWebhook(this StoreUnderTest store, WebhookTarget webhook) =>
        await store.Webhooks.Save(webhook, await store.NextState("webhook", webhook.Info.Id.ToString()));

    public static async Task DeleteWebhook(this StoreUnderTest store, Guid id) =>
        await store.Webhooks.Delete(id, await store.NextState("webhook", id.ToString(), cleared: true));

    /// <summary>A write of a stand-in state (or a clearing one) over the version stored.</summary>
    public static async Task<GrainStateWrite> NextState(this StoreUnderTest store, string type, string key, bool cleared = false) =>
        new(type, key, cleared ? null : [0], (await store.States.Read(type, key))?.Version ?? 0);
}
