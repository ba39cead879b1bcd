using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// An agent reads in history only what it was party to: what it sent or received, channel posts from while it was a
/// member, and the threads of tasks it created or was ever assigned. The operator reads everything. Run on each engine,
/// through the messages grain as every front door calls it.
/// </summary>
public abstract class PrivateHistoryTests : IAsyncLifetime
{
    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    protected abstract ValueTask DisposeStorage();

    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    private IMessagesGrain Messages => Grains.GetGrain<IMessagesGrain>(0);

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

    [Fact]
    public async Task An_outsider_never_sees_a_direct_message_through_list_get_or_any_filter_and_the_operator_sees_it()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");
        var eve = await Register("eve");
        var sent = await Messages.Send(alice, new MessageDraft("secret", [bob.Name]));

        foreach (var party in new[] { alice, bob, Caller.Operator })
        {
            (await Messages.Get(party, sent.Id)).Content.ShouldBe("secret");
            Ids(await Messages.List(party, new MessageQuery())).ShouldContain(sent.Id);
            Ids(await Messages.List(party, new MessageQuery(Sender: alice.Name))).ShouldBe([sent.Id]);
            Ids(await Messages.List(party, new MessageQuery(Recipient: bob.Name.ToUpperInvariant()))).ShouldBe([sent.Id]);
        }
        var refused = await Should.ThrowAsync<AgentChannelException>(() => Messages.Get(eve, sent.Id));
        refused.Code.ShouldBe(ErrorKind.NotFound);
        refused.Message.ShouldBe($"No message with id {sent.Id}.", "answered as if there were no such message");
        Ids(await Messages.List(eve, new MessageQuery())).ShouldBeEmpty();
        Ids(await Messages.List(eve, new MessageQuery(Sender: alice.Name))).ShouldBeEmpty();
        Ids(await Messages.List(eve, new MessageQuery(Recipient: bob.Name))).ShouldBeEmpty();
        Ids(await Messages.List(eve, new MessageQuery(Ascending: true, Since: sent.CreatedAt.AddMinutes(-1)))).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_member_who_left_keeps_the_posts_from_while_a_member_and_never_sees_later_ones()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");
        var late = await Register("late");
        var eve = await Register("eve");
        var room = Grains.GetGrain<IChannelGrain>(AgentNames.Key($"room-{Guid.NewGuid():N}"[..13]));
        var channel = (await room.Join(alice)).Name;
        await room.Join(bob);
        var before = await Messages.Send(alice, new MessageDraft("while bob was in", Channel: channel));
        var fromOperator = await Messages.Send(Caller.Operator, new MessageDraft("from the operator", Channel: channel));
        await room.Leave(bob);
        await room.Join(late);
        var after = await Messages.Send(alice, new MessageDraft("after bob left", Channel: channel));

        Ids(await Messages.List(bob, new MessageQuery(Channel: channel, Ascending: true))).ShouldBe([before.Id, fromOperator.Id]);
        Ids(await Messages.List(bob, new MessageQuery())).ShouldBe([fromOperator.Id, before.Id]);
        (await Messages.Get(bob, before.Id)).Content.ShouldBe("while bob was in");
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Get(bob, after.Id))).Code.ShouldBe(ErrorKind.NotFound);

        Ids(await Messages.List(late, new MessageQuery(Channel: channel))).ShouldBe([after.Id], "a member sees nothing from before it joined");
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Get(late, before.Id))).Code.ShouldBe(ErrorKind.NotFound);
        Ids(await Messages.List(alice, new MessageQuery(Channel: channel))).ShouldBe([after.Id, fromOperator.Id, before.Id]);
        Ids(await Messages.List(Caller.Operator, new MessageQuery(Channel: channel))).ShouldBe([after.Id, fromOperator.Id, before.Id]);
        Ids(await Messages.List(eve, new MessageQuery(Channel: channel))).ShouldBeEmpty();
        Ids(await Messages.List(eve, new MessageQuery(Sender: alice.Name))).ShouldBeEmpty();

        // Joining again opens the posts from then on, not the ones missed meanwhile.
        await room.Join(bob);
        var again = await Messages.Send(late, new MessageDraft("bob is back", Channel: channel));
        Ids(await Messages.List(bob, new MessageQuery(Channel: channel))).ShouldBe([again.Id, fromOperator.Id, before.Id]);
    }

    [Fact]
    public async Task A_tasks_creator_and_every_assignee_ever_read_its_whole_thread_and_nobody_else_does()
    {
        var skill = $"thread-{Guid.NewGuid():N}";
        var boss = await Register("boss");
        var first = await Register("first", skill);
        var second = await Register("second", skill);
        var eve = await Register("eve");
        var task = await Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7())
            .Create(boss, new NewTask("threaded", Requirements: RawJson.Serialize(new { capabilities = new[] { skill } }, AgentChannelJson.Options), AssignTo: first.Name));
        var asked = await Messages.Send(boss, new MessageDraft("how is it going?", TaskId: task.Id));
        var answered = await Messages.Send(first, new MessageDraft("slowly", TaskId: task.Id));
        // A message naming the task goes to the thread even when addressed to someone else.
        var aside = await Messages.Send(eve, new MessageDraft("about your task", [boss.Name], TaskId: task.Id));
        await Grains.GetGrain<ITaskGrain>(task.Id).Assign(boss, second.Name);
        var handedOn = await Messages.Send(boss, new MessageDraft("second, take over", TaskId: task.Id));

        Guid[] thread = [asked.Id, answered.Id, aside.Id, handedOn.Id];
        foreach (var party in new[] { boss, first, second, Caller.Operator })
        {
            Ids(await Messages.List(party, new MessageQuery(TaskId: task.Id, Ascending: true))).ShouldBe(thread);
            Ids(await Messages.List(party, new MessageQuery(Ascending: true))).ShouldBe(thread);
            (await Messages.Get(party, asked.Id)).Content.ShouldBe("how is it going?");
        }
        Ids(await Messages.List(second, new MessageQuery(Sender: first.Name))).ShouldBe([answered.Id], "assigned after it was written");
        Ids(await Messages.List(first, new MessageQuery(Recipient: second.Name))).ShouldBe([handedOn.Id], "written after first's assignment ended");

        // The outsider who wrote into the thread sees what it wrote, nothing else of it.
        Ids(await Messages.List(eve, new MessageQuery(TaskId: task.Id))).ShouldBe([aside.Id]);
        Ids(await Messages.List(eve, new MessageQuery())).ShouldBe([aside.Id]);
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Get(eve, asked.Id))).Code.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public async Task An_agents_history_pages_by_cursor_in_either_order_over_everything_it_may_read_and_nothing_else()
    {
        var skill = $"pages-{Guid.NewGuid():N}";
        var me = await Register("me", skill);
        var friend = await Register("friend");
        var stranger = await Register("stranger");
        var room = Grains.GetGrain<IChannelGrain>(AgentNames.Key($"pages-{Guid.NewGuid():N}"[..14]));
        var channel = (await room.Join(me)).Name;
        await room.Join(friend);
        var task = await Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7())
            .Create(friend, new NewTask("paged", Requirements: RawJson.Serialize(new { capabilities = new[] { skill } }, AgentChannelJson.Options), AssignTo: me.Name));
        var mine = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            mine.Add((await Messages.Send(me, new MessageDraft($"sent {i}", [friend.Name]))).Id);
            await Messages.Send(stranger, new MessageDraft($"private {i}", [friend.Name]));
            mine.Add((await Messages.Send(friend, new MessageDraft($"to me {i}", [me.Name]))).Id);
            mine.Add((await Messages.Send(friend, new MessageDraft($"posted {i}", Channel: channel))).Id);
            mine.Add((await Messages.Send(stranger, new MessageDraft($"threaded {i}", [friend.Name], TaskId: task.Id))).Id);
            await Messages.Send(friend, new MessageDraft($"to the stranger {i}", [stranger.Name]));
        }

        foreach (var ascending in new[] { false, true })
        {
            var read = new List<Guid>();
            string? cursor = null;
            do
            {
                var page = await Messages.List(me, new MessageQuery(Limit: 3, Cursor: cursor, Ascending: ascending));
                page.Items.Count.ShouldBeLessThanOrEqualTo(3);
                read.AddRange(Ids(page));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            read.ShouldBe(ascending ? mine : [.. Enumerable.Reverse(mine)]);
        }
        var fromFriend = await Messages.List(me, new MessageQuery(Sender: friend.Name, Limit: 5));
        Ids(fromFriend).ShouldBe(mine.Where((_, index) => index % 4 is 1 or 2).Reverse().Take(5));
        Ids(await Messages.List(me, new MessageQuery(Sender: friend.Name, Limit: 50, Cursor: fromFriend.NextCursor)))
            .ShouldBe(mine.Where((_, index) => index % 4 is 1 or 2).Reverse().Skip(5));
    }

    private static IReadOnlyList<Guid> Ids(MessagePage page) => [.. page.Items.Select(message => message.Id)];

    private async Task<Caller> Register(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var registered = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", capabilities, null), null);
        return Caller.Agent(registered.Agent.Name);
    }
}

public sealed class SqlitePrivateHistoryTests : PrivateHistoryTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresPrivateHistoryTests : PrivateHistoryTests
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

    protected override async ValueTask DisposeStorage()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
