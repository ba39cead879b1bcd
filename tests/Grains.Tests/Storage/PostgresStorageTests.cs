using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage.Postgres;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// The shared storage suite on PostgreSQL (a database of its own per test), plus the schema scripts: Orleans'
/// query contract and our tables, applied idempotently, also by several silos starting at once.
/// Skipped, saying why, when AGENTCHANNEL_TEST_POSTGRES is not set.
/// </summary>
public sealed class PostgresStorageTests : StorageContractTests
{
    private PostgresTestDatabase? _server;
    private PostgresDatabase? _database;

    protected override async Task<StoreUnderTest> Open()
    {
        var database = await Database();
        return new StoreUnderTest(
            new PostgresMessageLog(database), new PostgresAgentIndex(database), new PostgresTaskIndex(database),
            new PostgresMemoryIndex(database), new PostgresChannelIndex(database), new PostgresInbox(database, TimeProvider.System),
            new PostgresWebhookStore(database), new PostgresStatsStore(database), new PostgresGrainStates(database));
    }

    public override async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    protected override async Task ReopenWithoutHistoryAudience()
    {
        var database = await Database();
        await _server!.Execute("DROP TABLE message_audience; DROP TABLE task_parties;");
        await database.ApplySchema(TestContext.Current.CancellationToken);
    }

    protected override async Task ReopenWithoutSearch()
    {
        var database = await Database();
        await _server!.Execute("ALTER TABLE messages DROP COLUMN search; ALTER TABLE memory_keys DROP COLUMN search;");
        await database.ApplySchema(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_schema_is_idempotent_and_holds_every_query_Orleans_providers_ask_for()
    {
        var database = await Database();

        await database.ApplySchema(TestContext.Current.CancellationToken);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => NewDatabase(_server!.ConnectionString).ApplySchema(TestContext.Current.CancellationToken)));

        await using var connection = await database.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            keys.Add(reader.GetString(0));
        }
        keys.ShouldBe([
            "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey",
            "DeleteReminderRowKey", "DeleteReminderRowsKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey",
            "MembershipReadAllKey", "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "ReadReminderRowKey", "ReadReminderRowsKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey",
            "WriteToStorageKey",
        ]);
    }

    [Fact]
    public async Task Data_survives_the_schema_being_applied_again()
    {
        var store = await Open();
        await store.Messages.Append(Message("kept", ["bob"]), null);

        await (await Database()).ApplySchema(TestContext.Current.CancellationToken);

        (await store.Messages.List(new Messages.MessageQuery(Recipient: "bob"), null)).Items.ShouldHaveSingleItem().Content.ShouldBe("kept");
    }

    private async Task<PostgresDatabase> Database()
    {
        if (_database is null)
        {
            _server = await PostgresTestDatabase.Create();
            _database = NewDatabase(_server.ConnectionString);
            await _database.ApplySchema(TestContext.Current.CancellationToken);
        }
        return _database;
    }

    private static PostgresDatabase NewDatabase(string connectionString) => new(
        Options.Create(new StorageOptions { Provider = StorageProvider.PostgreSQL, PostgresConnectionString = connectionString }),
        NullLogger<PostgresDatabase>.Instance);
}
