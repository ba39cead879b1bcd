using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// A message addressed to a capability (docs/api.md 4.2, "Role addressing"): <c>any</c> reaches the least loaded online
/// agent that has it, <c>all</c> every agent that has it, each inbox once, and a refusal stores nothing. Run on each
/// engine, through the messages grain as every front door calls it.
/// </summary>
public abstract class RoleAddressingTests : IAsyncLifetime
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
    public async Task Any_reaches_the_least_loaded_online_agent_with_the_capability_and_the_message_keeps_its_address()
    {
        var skill = Skill();
        var sender = await Register("sender", skill);
        var loaded = await Register("loaded", skill);
        var idle = await Register("idle", skill);
        var away = await Register("away", skill);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(away.Name)).SetStatus(away, AgentStatus.Offline);
        await Grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(sender, new NewTask("keeps loaded busy", AssignTo: loaded.Name));

        var sent = await Messages.Send(sender, new MessageDraft("who takes this?", ToCapability: $" {skill} "));

        sent.Recipients.ShouldBe([idle.Name], "online, capable, fewest tasks; never the sender, though it has the capability");
        sent.ToCapability.ShouldBe(skill);
        sent.Mode.ShouldBe(RoleMode.Any);
        (await Received(idle)).ShouldBe(["who takes this?"]);
        (await Received(loaded)).ShouldBeEmpty();
        (await Received(away)).ShouldBeEmpty();
        (await Received(sender)).ShouldBeEmpty();

        // Stored with its address, and read back from the log as sent; its recipient is party to it, the others are not.
        Summary(await Messages.Get(Caller.Operator, sent.Id)).ShouldBe(Summary(sent));
        (await Messages.Get(idle, sent.Id)).ToCapability.ShouldBe(skill);
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Get(loaded, sent.Id))).Code.ShouldBe(ErrorKind.NotFound);
        (await Messages.List(idle, new MessageQuery(Recipient: idle.Name))).Items.Single().Mode.ShouldBe(RoleMode.Any);
    }

    [Fact]
    public async Task All_reaches_every_agent_with_the_capability_once_an_offline_one_too_and_a_retry_with_the_key_adds_nothing()
    {
        var skill = Skill();
        var sender = await Register("sender");
        var first = await Register("first", skill);
        var second = await Register("second", skill, "other");
        var offline = await Register("offline", skill);
        var retired = await Register("retired", skill);
        var unskilled = await Register("unskilled", "other");
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(offline.Name)).SetStatus(offline, AgentStatus.Offline);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(retired.Name)).Retire(Caller.Operator);
        var key = new IdempotencyKey($"all-{Guid.NewGuid():N}");
        var draft = new MessageDraft("to all of you", ToCapability: skill, Mode: RoleMode.All, MessageType: "broadcast");

        var sent = await Messages.Send(sender, draft, key);

        sent.Recipients.Order(StringComparer.Ordinal).ShouldBe(new[] { first.Name, second.Name, offline.Name }.Order(StringComparer.Ordinal),
            "every agent with the capability, online or not, never a retired one");
        sent.Mode.ShouldBe(RoleMode.All);
        foreach (var agent in new[] { first, second, offline })
        {
            (await Received(agent)).ShouldBe(["to all of you"], agent.Name);
            (await Messages.Get(agent, sent.Id)).Id.ShouldBe(sent.Id, "a recipient of an all message is party to it");
        }
        (await Received(unskilled)).ShouldBeEmpty();
        (await Received(retired)).ShouldBeEmpty();
        Summary((await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name))).Items.ShouldHaveSingleItem()).ShouldBe(Summary(sent), "stored once");

        // The agent that was offline comes back: its inbox replays the message once, from where it last acked.
        var back = Grains.GetGrain<IAgentGrain>(AgentNames.Key(offline.Name));
        await back.Heartbeat(offline, null);
        (await back.ReadInbox((await back.GetInboxPosition()).AckedSeq, 100)).Events
            .Count(item => item.Event == EventNames.MessageReceived).ShouldBe(1);

        // A retry with the key (after an ack, and after a new capable agent joined) is answered with the stored message,
        // to the agents resolved the first time, and puts nothing more in any inbox.
        var firstInbox = Grains.GetGrain<IAgentGrain>(AgentNames.Key(first.Name));
        await firstInbox.Ack(first, (await firstInbox.GetInboxPosition()).LastSeq);
        var late = await Register("late", skill);
        var again = await Messages.Send(sender, draft, key);
        Summary(again).ShouldBe(Summary(sent));
        foreach (var agent in new[] { first, second, offline })
        {
            (await Received(agent)).ShouldBe(["to all of you"], agent.Name);
        }
        (await Received(late)).ShouldBeEmpty("resolved when it was sent");
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(sender, draft with { Mode = RoleMode.Any }, key)))
            .Code.ShouldBe(ErrorKind.IdempotencyMismatch);
    }

    [Fact]
    public async Task Nobody_to_reach_is_refused_clearly_and_stores_nothing()
    {
        var skill = Skill();
        var sender = await Register("sender", skill);

        var nobody = await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(sender, new MessageDraft("hello?", ToCapability: Skill())));
        nobody.Code.ShouldBe(ErrorKind.NotFound);
        nobody.Field.ShouldBe("to_capability");
        (await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(sender, new MessageDraft("hello?", ToCapability: skill, Mode: RoleMode.All))))
            .Code.ShouldBe(ErrorKind.NotFound, "only the sender has it");

        var away = await Register("away", skill);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(away.Name)).SetStatus(away, AgentStatus.Offline);
        var offline = await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(sender, new MessageDraft("anyone?", ToCapability: skill)));
        offline.Code.ShouldBe(ErrorKind.Conflict);
        offline.Message.ShouldContain("online");

        var outcomes = await Messages.SendMany(sender,
            [new MessageDraft("kept", [away.Name]), new MessageDraft("refused", ToCapability: skill), new MessageDraft("kept too", ToCapability: skill, Mode: RoleMode.All)]);
        outcomes[1].Error!.Code.ShouldBe(ErrorKind.Conflict, "refuses only itself");
        (await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name, Ascending: true))).Items
            .Select(message => message.Content).ShouldBe(["kept", "kept too"]);
        (await Received(away)).ShouldBe(["kept", "kept too"]);
    }

    [Theory]
    [InlineData("both", ErrorKind.Invalid, "to_capability")]
    [InlineData("channel", ErrorKind.Invalid, "to_capability")]
    [InlineData("mode alone", ErrorKind.Invalid, "mode")]
    [InlineData("blank", ErrorKind.Invalid, "to_capability")]
    [InlineData("too long", ErrorKind.TooLarge, "to_capability")]
    public async Task A_bad_role_address_is_refused_naming_its_field(string shape, ErrorKind code, string field)
    {
        var skill = Skill();
        var sender = await Register("sender");
        var holder = await Register("holder", skill);
        var draft = shape switch
        {
            "both" => new MessageDraft("x", [holder.Name], ToCapability: skill),
            "channel" => new MessageDraft("x", Channel: "somewhere", ToCapability: skill),
            "mode alone" => new MessageDraft("x", [holder.Name], Mode: RoleMode.All),
            "blank" => new MessageDraft("x", ToCapability: "  "),
            _ => new MessageDraft("x", ToCapability: new string('c', 65)),
        };

        var refused = await Should.ThrowAsync<AgentChannelException>(() => Messages.Send(sender, draft));

        refused.Code.ShouldBe(code);
        refused.Field.ShouldBe(field);
        (await Messages.List(Caller.Operator, new MessageQuery(Sender: sender.Name))).Items.ShouldBeEmpty();
        (await Received(holder)).ShouldBeEmpty();
    }

    /// <summary>What a message's identity, address and recipients are, comparable by value.</summary>
    private static string Summary(MessageInfo message) =>
        $"{message.Id} #{message.Sequence} {message.Sender} -> [{string.Join(",", message.Recipients)}] " +
        $"{message.ToCapability}/{message.Mode} {message.Content} {message.MessageType} {message.CreatedAt:O}";

    private static string Skill() => $"role-{Guid.NewGuid():N}"[..17];

    /// <summary>The contents of the messages in the agent's inbox, in inbox order, acked or not.</summary>
    private async Task<IReadOnlyList<string>> Received(Caller agent)
    {
        var page = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).ReadInbox(0, 100);
        return [.. page.Events.Where(item => item.Event == EventNames.MessageReceived)
            .Select(item => item.Data.Deserialize<MessageInfo>(AgentChannelJson.Options)!.Content)];
    }

    private async Task<Caller> Register(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        var registered = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", capabilities, null), null);
        return Caller.Agent(registered.Agent.Name);
    }
}

public sealed class SqliteRoleAddressingTests : RoleAddressingTests
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

public sealed class PostgresRoleAddressingTests : RoleAddressingTests
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
