using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// Stored means delivered: a message whose inbox entry cannot be stored (a trigger refuses it, on purpose) is still
/// answered as stored, stays owed, and reaches the inbox exactly once after the fault clears; a draft that cannot be
/// stored fails alone while the others of its call are stored and delivered.
/// </summary>
public abstract class OwedDeliveryTests : IAsyncLifetime
{
    /// <summary>Storing a message:received in any inbox fails while the trigger is in place.</summary>
    protected abstract Task FailMessageDeliveries(bool fail);

    /// <summary>Storing a message whose content is "poison" fails while the trigger is in place.</summary>
    protected abstract Task FailPoisonMessages(bool fail);

    /// <summary>How many deliveries the outbox still owes.</summary>
    protected abstract Task<long> OwedCount();

    protected abstract Task<IReadOnlyDictionary<string, string?>> StorageSettings();

    protected abstract ValueTask DisposeStorage();

    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(await StorageSettings())
        {
            ["AgentChannel:Limits:MessageRedeliverySeconds"] = "0.2",
        };
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
    public async Task Messages_whose_delivery_fails_are_acked_as_stored_and_reach_the_inbox_once_after_the_fault_clears()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");

        await FailMessageDeliveries(true);
        var outcomes = await Grains.GetGrain<IMessagesGrain>(0).SendMany(Caller.Agent(alice),
            [new MessageDraft("first", [bob]), new MessageDraft("second", [bob])]);
        outcomes.ShouldAllBe(outcome => outcome.Message != null && outcome.Error == null && outcome.Failure == null);
        (await Received(bob)).ShouldBeEmpty();
        (await OwedCount()).ShouldBe(2);

        // As if the silo died after storing: the redelivery reads what is owed from storage, not from memory.
        await Reactivate();
        await FailMessageDeliveries(false);
        await Poll(async () => await OwedCount() == 0, "the owed messages to be delivered");
        // Nothing is owed any more, so nothing more can arrive: each is there once, in log order.
        (await Received(bob)).ShouldBe(["first", "second"]);

        // Delivering it again (a redelivery that crossed the first) stores nothing.
        var first = outcomes[0].Message!;
        var again = new InboxItem(EventNames.MessageReceived, RawJson.Serialize(first, AgentChannelJson.Options), first.Sequence);
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(bob)).Deliver([again]);
        (await Received(bob)).ShouldBe(["first", "second"]);
    }

    [Fact]
    public async Task A_channel_post_whose_delivery_fails_is_acked_and_reaches_each_member_once()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");
        var carol = await Register("carol");
        var channel = Grains.GetGrain<IChannelGrain>($"owed-{Guid.NewGuid():N}"[..13]);
        await channel.Join(Caller.Agent(bob));
        await channel.Join(Caller.Agent(carol));

        await FailMessageDeliveries(true);
        (await channel.Post(Caller.Agent(alice), new MessageDraft("to all"))).Content.ShouldBe("to all");
        (await OwedCount()).ShouldBe(2);

        await FailMessageDeliveries(false);
        await Poll(async () => await OwedCount() == 0, "the owed post to reach both members");
        (await Received(bob)).ShouldBe(["to all"]);
        (await Received(carol)).ShouldBe(["to all"]);
        (await Received(alice)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_draft_that_cannot_be_stored_fails_alone_and_the_others_of_its_call_are_stored_in_order()
    {
        var alice = await Register("alice");
        var bob = await Register("bob");

        await FailPoisonMessages(true);
        var outcomes = await Grains.GetGrain<IMessagesGrain>(0).SendMany(Caller.Agent(alice),
            [new MessageDraft("before", [bob]), new MessageDraft("poison", [bob]), new MessageDraft("after", [bob])]);
        await FailPoisonMessages(false);

        outcomes[0].Message!.Content.ShouldBe("before");
        outcomes[1].Message.ShouldBeNull();
        outcomes[1].Error.ShouldBeNull();
        outcomes[1].Failure.ShouldNotBeNull();
        outcomes[2].Message!.Content.ShouldBe("after");
        outcomes[2].Message!.Sequence.ShouldBeGreaterThan(outcomes[0].Message!.Sequence);
        (await Grains.GetGrain<IMessagesGrain>(0).List(Caller.Operator, new MessageQuery(Sender: alice, Ascending: true))).Items
            .Select(message => message.Content).ShouldBe(["before", "after"]);
        (await Received(bob)).ShouldBe(["before", "after"]);
        (await OwedCount()).ShouldBe(0);
    }

    /// <summary>The contents of the messages in the agent's inbox, in inbox order.</summary>
    private async Task<IReadOnlyList<string>> Received(string agent)
    {
        var page = await Grains.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 100);
        return [.. page.Events.Where(item => item.Event == EventNames.MessageReceived)
            .Select(item => item.Data.Deserialize<MessageInfo>(AgentChannelJson.Options)!.Content)];
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

    private Task Reactivate() =>
        Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);

    private async Task<string> Register(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        await Grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "llm", [], null), null);
        return name;
    }
}

public sealed class SqliteOwedDeliveryTests : OwedDeliveryTests
{
    private readonly string _path = TempDatabase.NewPath();

    protected override Task<IReadOnlyDictionary<string, string?>> StorageSettings() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?> { ["AgentChannel:Storage:SqlitePath"] = _path });

    protected override Task FailMessageDeliveries(bool fail)
    {
        Execute(fail
            ? "CREATE TRIGGER fail_message_delivery BEFORE INSERT ON inbox WHEN NEW.event = 'message:received' BEGIN SELECT RAISE(ABORT, 'injected inbox failure'); END;"
            : "DROP TRIGGER fail_message_delivery;");
        return Task.CompletedTask;
    }

    protected override Task FailPoisonMessages(bool fail)
    {
        Execute(fail
            ? "CREATE TRIGGER fail_poison BEFORE INSERT ON messages WHEN NEW.content = 'poison' BEGIN SELECT RAISE(ABORT, 'injected message failure'); END;"
            : "DROP TRIGGER fail_poison;");
        return Task.CompletedTask;
    }

    protected override Task<long> OwedCount()
    {
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM owed_deliveries";
        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    private void Execute(string sql) => TempDatabase.Execute(_path, sql);

    protected override ValueTask DisposeStorage()
    {
        TempDatabase.Delete(_path);
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresOwedDeliveryTests : OwedDeliveryTests
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

    protected override Task FailMessageDeliveries(bool fail) => Execute(fail
        ? """
          CREATE FUNCTION fail_message_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
              IF NEW.event = 'message:received' THEN
                  RAISE EXCEPTION 'injected inbox failure';
              END IF;
              RETURN NEW;
          END $$;
          CREATE TRIGGER fail_message_delivery BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION fail_message_delivery();
          """
        : "DROP TRIGGER fail_message_delivery ON inbox; DROP FUNCTION fail_message_delivery();");

    protected override Task FailPoisonMessages(bool fail) => Execute(fail
        ? """
          CREATE FUNCTION fail_poison() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
              IF NEW.content = 'poison' THEN
                  RAISE EXCEPTION 'injected message failure';
              END IF;
              RETURN NEW;
          END $$;
          CREATE TRIGGER fail_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail_poison();
          """
        : "DROP TRIGGER fail_poison ON messages; DROP FUNCTION fail_poison();");

    protected override async Task<long> OwedCount()
    {
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM owed_deliveries", connection);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private Task Execute(string sql) => _database!.Execute(sql);

    protected override ValueTask DisposeStorage() => _database?.DisposeAsync() ?? ValueTask.CompletedTask;
}
