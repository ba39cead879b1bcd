using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// Full-text search obeys the rules of what it searches: an agent finds only messages of its own history (as
/// <see cref="PrivateHistoryTests"/>) and only memory keys whose access list lets it read them; the operator finds
/// everything. Run on each engine, through the grains as every front door calls them.
/// </summary>
public abstract class SearchTests : IAsyncLifetime
{
    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    protected abstract ValueTask DisposeStorage();

    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    private IMessagesGrain Messages => Grains.GetGrain<IMessagesGrain>(0);

    private IMemoryDirectoryGrain Memory => Grains.GetGrain<IMemoryDirectoryGrain>(0);

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
    public async Task An_outsider_never_finds_a_private_message_and_its_parties_and_the_operator_do()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");
        var eve = await Register("eve");
        var direct = await Messages.Send(alice, new MessageDraft("the launch codes are zebra", [bob.Name]));
        var room = Grains.GetGrain<IChannelGrain>(AgentNames.Key($"room-{Guid.NewGuid():N}"[..13]));
        var channel = (await room.Join(alice)).Name;
        await room.Join(eve);
        await room.Leave(eve);
        var post = await Messages.Send(alice, new MessageDraft("zebra crossing after eve left", Channel: channel));
        var task = await Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(alice, new NewTask("zebra task", AssignTo: bob.Name));
        var thread = await Messages.Send(bob, new MessageDraft("zebra progress", TaskId: task.Id));
        var own = await Messages.Send(eve, new MessageDraft("where is the zebra?", [alice.Name]));

        Ids(await Messages.Search(alice, "zebra", new MessageQuery())).Order().ShouldBe(new[] { direct.Id, post.Id, thread.Id, own.Id }.Order());
        Ids(await Messages.Search(bob, "ZEBRA", new MessageQuery())).Order().ShouldBe(new[] { direct.Id, thread.Id }.Order());
        Ids(await Messages.Search(Caller.Operator, "zeb*", new MessageQuery())).Count.ShouldBe(4);
        Ids(await Messages.Search(bob, "launch codes", new MessageQuery(Sender: alice.Name))).ShouldBe([direct.Id]);

        Ids(await Messages.Search(eve, "zebra", new MessageQuery())).ShouldBe([own.Id], "only what it sent itself");
        foreach (var query in new MessageQuery[]
                 {
                     new(Sender: alice.Name), new(Recipient: bob.Name), new(Channel: channel), new(TaskId: task.Id),
                     new(Since: direct.CreatedAt.AddMinutes(-1)), new(Limit: 500),
                 })
        {
            foreach (var word in new[] { "launch", "crossing", "progress", "zebra -where" })
            {
                Ids(await Messages.Search(eve, word, query)).ShouldNotContain(id => id != own.Id, $"{word} {query}");
            }
        }
        Ids(await Messages.Search(eve, "launch codes", new MessageQuery())).ShouldBeEmpty();
        var hit = (await Messages.Search(bob, "codes", new MessageQuery())).Items.ShouldHaveSingleItem();
        hit.Snippet.ShouldBe("the launch **codes** are zebra");
    }

    [Fact]
    public async Task A_memory_key_whose_access_list_denies_the_caller_never_appears_by_its_key_or_its_value()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");
        var eve = await Register("eve");
        var key = $"vault/quokka-{Guid.NewGuid():N}";
        var plans = Grains.GetGrain<IMemoryGrain>(key);
        await plans.TrySet(alice, new MemoryWrite(RawJson.Parse("""{"plan":"wombat"}"""), new AccessControl([bob.Name], []))).OrThrow();
        var open = Grains.GetGrain<IMemoryGrain>($"open/{Guid.NewGuid():N}");
        await open.TrySet(alice, new MemoryWrite(RawJson.Parse("""{"note":"wombat sighting"}"""))).OrThrow();

        foreach (var words in new[] { "quokka", "wombat", "vault", "plan" })
        {
            Keys(await Memory.Search(alice, words, null, 50, null)).ShouldContain(key, words);
            Keys(await Memory.Search(bob, words, null, 50, null)).ShouldContain(key, words);
            Keys(await Memory.Search(Caller.Operator, words, null, 50, null)).ShouldContain(key, words);
            Keys(await Memory.Search(eve, words, null, 50, null)).ShouldNotContain(key, words);
        }
        Keys(await Memory.Search(eve, "wombat", null, 50, null)).ShouldBe([open.GetPrimaryKeyString()]);
        (await Memory.Search(bob, "wombat", "vault/", 50, null)).Items.ShouldHaveSingleItem().Snippet.ShouldBe("""{"plan":"**wombat**"}""");

        // The creator takes bob off the list: from then on bob finds nothing of it either; '*' opens it to eve.
        await plans.TrySet(alice, new MemoryWrite(RawJson.Parse("""{"plan":"wombat"}"""), new AccessControl([], []))).OrThrow();
        Keys(await Memory.Search(bob, "quokka", null, 50, null)).ShouldBeEmpty();
        Keys(await Memory.Search(bob, "wombat", "vault/", 50, null)).ShouldBeEmpty();
        await plans.TrySet(alice, new MemoryWrite(RawJson.Parse("""{"plan":"wombat"}"""), new AccessControl([AccessControl.Everyone], []))).OrThrow();
        Keys(await Memory.Search(eve, "quokka", null, 50, null)).ShouldBe([key]);
        await plans.Delete(alice, expectedVersion: null);
        Keys(await Memory.Search(Caller.Operator, "quokka", null, 50, null)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_query_is_its_words_so_no_input_is_a_syntax_error_and_one_without_words_is_invalid()
    {
        var alice = await Register("alice");
        var sent = await Messages.Send(Caller.Operator, new MessageDraft("near the \"quoted\" column: value AND more", [alice.Name]));

        foreach (var text in new[]
                 {
                     "\"quoted", "NEAR(the quoted", "quoted AND OR NOT", "column:value", "^near", "quot* * **", "'; DROP TABLE messages; --",
                     "near & | ! <-> quoted:*", "-more +value", "(", "{\"a\":1}", "value\0more", "\u00e9t\u00e9", "🦓 near",
                 })
        {
            MessageSearchPage? found = null;
            var errors = new[]
            {
                await Record.ExceptionAsync(async () => found = await Messages.Search(alice, text, new MessageQuery())),
                await Record.ExceptionAsync(() => Memory.Search(alice, text, null, 10, null)),
            };
            errors.ShouldAllBe(error => error == null || error is AgentChannelException && ((AgentChannelException)error).Code == ErrorKind.Invalid, text);
            if (text is "\"quoted" or "column:value" or "quot* * **" or "-more +value")
            {
                Ids(found!).ShouldBe([sent.Id], text);
            }
        }
        foreach (var text in new[] { "", "   ", "!!! ---", new string('a', SearchText.MaxChars + 1), string.Join(" ", Enumerable.Range(0, 17).Select(i => $"w{i}")) })
        {
            var refused = await Should.ThrowAsync<AgentChannelException>(() => Messages.Search(alice, text, new MessageQuery()), text);
            (refused.Code, refused.Field).ShouldBe((ErrorKind.Invalid, "q"));
            (await Should.ThrowAsync<AgentChannelException>(() => Memory.Search(alice, text, null, 10, null))).Code.ShouldBe(ErrorKind.Invalid);
        }
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Search(alice, "near", new MessageQuery(Cursor: "not-a-cursor")))).Code
            .ShouldBe(ErrorKind.Invalid);
    }

    private static IReadOnlyList<Guid> Ids(MessageSearchPage page) => [.. page.Items.Select(hit => hit.Message.Id)];

    private static IReadOnlyList<string> Keys(MemorySearchPage page) => [.. page.Items.Select(hit => hit.Entry.Key)];

    private async Task<Caller> Register(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var registered = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [], null), null);
        return Caller.Agent(registered.Agent.Name);
    }
}

public sealed class SqliteSearchTests : SearchTests
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

public sealed class PostgresSearchTests : SearchTests
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
