using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tasks;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>The shared storage suite on a SQLite file, plus what only SQLite has: WAL, group commit, its single write lock.</summary>
public sealed class SqliteStorageTests : StorageContractTests
{
    private readonly string _path = TempDatabase.NewPath();
    private readonly SqliteDatabase _database;
    private readonly SqliteWriteQueue _writes;

    public SqliteStorageTests()
    {
        var options = Options.Create(new StorageOptions { SqlitePath = _path, BusyTimeoutSeconds = 1 });
        _database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        _database.ApplySchema();
        _writes = new SqliteWriteQueue(_database, options, NullLogger<SqliteWriteQueue>.Instance);
    }

    protected override Task<StoreUnderTest> Open() => Task.FromResult(new StoreUnderTest(
        new SqliteMessageLog(_database, _writes), new SqliteAgentIndex(_database, _writes), new SqliteTaskIndex(_database, _writes),
        new SqliteMemoryIndex(_database, _writes), new SqliteChannelIndex(_database, _writes),
        new SqliteInbox(_database, _writes, TimeProvider.System), new SqliteWebhookStore(_database, _writes),
        new SqliteStatsStore(_database), new SqliteGrainStates(_database, _writes)));

    public override async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync();
        TempDatabase.Delete(_path);
        GC.SuppressFinalize(this);
    }

    protected override Task ReopenWithoutHistoryAudience()
    {
        TempDatabase.Execute(_path, "DROP TABLE message_audience; DROP TABLE task_parties;");
        _database.ApplySchema();
        return Task.CompletedTask;
    }

    protected override Task ReopenWithoutSearch()
    {
        TempDatabase.Execute(_path,
            "DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts_progress; DROP TABLE messages_fts; DROP TABLE memory_search;");
        _database.ApplySchema();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_file_whose_search_index_a_trigger_kept_goes_on_from_its_last_message_and_indexes_none_twice()
    {
        var log = new SqliteMessageLog(_database, _writes);
        // The file as releases before the bulk index left it: the index kept by a trigger, no progress row.
        TempDatabase.Execute(_path, """
            DROP TABLE messages_fts_progress;
            DROP TRIGGER messages_fts_delete;
            CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
                INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
            END;
            CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
                INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
            END;
            """);
        var before = await log.Append(Message("a report from before", ["bob"]), null);

        _database.ApplySchema();
        var after = await log.Append(Message("a report from after", ["bob"]), null);

        (await log.Search(SearchText.Parse("report"), new MessageQuery(), null)).Items.Select(hit => hit.Message.Id)
            .ShouldBe([before.Id, after.Id], ignoreOrder: true);
        ScalarOf("SELECT COUNT(*) FROM sqlite_master WHERE name = 'messages_fts_insert'").ShouldBe(0L);
        CheckSearchIndex();
    }

    [Fact]
    public async Task The_log_indexes_for_search_in_chunks_and_a_search_first_indexes_what_is_left()
    {
        var log = new SqliteMessageLog(_database, _writes);
        var drafts = Enumerable.Range(0, SqliteMessageLog.SearchIndexChunk).Select(i => Message($"chunked note {i}", ["bob"])).ToList();
        var stored = new List<MessageInfo>();
        foreach (var half in drafts.Chunk(drafts.Count / 2))
        {
            stored.AddRange(await log.AppendAll(half));
        }
        // Queued behind the catch-up that the chunk's last append asked for, so it completes after it.
        var unindexed = await log.Append(Message("a lone straggler", ["bob"]), null);

        ScalarOf("SELECT indexed_seq FROM messages_fts_progress").ShouldBe(stored[^1].Sequence);
        // A row the index never held leaves the log without an FTS5 'delete' (which would corrupt the index).
        var deleted = await log.Append(Message("a deleted straggler", ["bob"]), null);
        TempDatabase.Execute(_path, $"DELETE FROM messages WHERE seq = {deleted.Sequence}");
        (await log.Search(SearchText.Parse("straggler"), new MessageQuery(), null)).Items.ShouldHaveSingleItem().Message.Id
            .ShouldBe(unindexed.Id);
        (await log.Search(SearchText.Parse("chunked"), new MessageQuery(), null)).Items.Count.ShouldBe(50, "a page of the 2,000");
        ScalarOf("SELECT indexed_seq FROM messages_fts_progress").ShouldBe(unindexed.Sequence);
        CheckSearchIndex();
    }

    /// <summary>FTS5's own check of the index against the log: a row indexed twice, or missing, fails it.</summary>
    private void CheckSearchIndex() =>
        TempDatabase.Execute(_path, "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");

    private object? ScalarOf(string sql)
    {
        using var connection = _database.Open();
        using var command = connection.Command(sql);
        return command.ExecuteScalar();
    }

    [Fact]
    public void The_schema_is_idempotent_and_puts_the_file_in_WAL_mode()
    {
        _database.ApplySchema();
        _database.ApplySchema();

        using var connection = _database.Open();
        using var mode = connection.Command("PRAGMA journal_mode");
        mode.ExecuteScalar().ShouldBe("wal");
        using var queries = connection.Command("SELECT COUNT(*) FROM OrleansQuery");
        queries.ExecuteScalar().ShouldBe(3L);
    }

    [Fact]
    public async Task A_failing_write_fails_alone_and_the_rest_of_its_batch_commits()
    {
        var log = new SqliteMessageLog(_database, _writes);
        // Holds the writer in a batch of its own, so the three writes below queue up and share the next one.
        var writerHeld = new TaskCompletionSource();
        using var release = new ManualResetEventSlim();
        var holding = _writes.Enqueue(_ =>
        {
            writerHeld.SetResult();
            release.Wait(TestContext.Current.CancellationToken);
        });
        await writerHeld.Task;
        var before = log.Append(Message("before", ["carol"]), null);
        var failing = _writes.Enqueue(transaction =>
        {
            using var insert = transaction.Command("INSERT INTO channels (name_key, name, member_count, created_at) VALUES ('x', 'x', 0, 0)");
            insert.ExecuteNonQuery();
            throw new InvalidOperationException("refused on purpose");
        });
        var after = log.Append(Message("after", ["carol"]), null);
        release.Set();
        await holding;

        await Should.ThrowAsync<InvalidOperationException>(() => failing);
        await before;
        await after;
        (await log.List(new MessageQuery(Recipient: "carol"), null)).Items.Count.ShouldBe(2);
        using var connection = _database.Open();
        using var channels = connection.Command("SELECT COUNT(*) FROM channels");
        channels.ExecuteScalar().ShouldBe(0L);
    }

    [Fact]
    public async Task The_log_writer_recovers_after_a_database_is_locked_timeout()
    {
        var log = new SqliteMessageLog(_database, _writes);
        using (var blocker = HoldWriteLock(_database))
        {
            var blocked = await Should.ThrowAsync<SqliteException>(() => log.Append(Message("blocked", ["dave"]), null));
            blocked.SqliteErrorCode.ShouldBe(5); // SQLITE_BUSY
        }

        await log.Append(Message("after unlock", ["dave"]), null);
        (await log.List(new MessageQuery(Recipient: "dave"), null)).Items.Select(m => m.Content).ShouldBe(["after unlock"]);
    }

    [Fact]
    public async Task A_write_waits_out_a_lock_held_within_the_busy_timeout_and_then_commits()
    {
        // A busy timeout far beyond how long the lock is held, so a slow machine cannot turn the wait into a timeout.
        var path = TempDatabase.NewPath();
        var options = Options.Create(new StorageOptions { SqlitePath = path, BusyTimeoutSeconds = 60 });
        var database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        database.ApplySchema();
        var writes = new SqliteWriteQueue(database, options, NullLogger<SqliteWriteQueue>.Instance);
        try
        {
            var log = new SqliteMessageLog(database, writes);
            Task<MessageInfo> waiting;
            using (HoldWriteLock(database))
            {
                waiting = log.Append(Message("waited", ["erin"]), null);
                // The other transaction runs this long.
                await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
                waiting.IsCompleted.ShouldBeFalse("the write is waiting for the lock");
            }

            (await waiting).Content.ShouldBe("waited");
            (await log.List(new MessageQuery(Recipient: "erin"), null)).Items.Select(m => m.Content).ShouldBe(["waited"]);
        }
        finally
        {
            await writes.DisposeAsync();
            TempDatabase.Delete(path);
        }
    }

    [Fact]
    public void Orleans_connections_come_from_the_data_source_set_up_like_ours()
    {
        using var connection = _database.DataSource.OpenConnection();
        using var synchronous = connection.CreateCommand();
        synchronous.CommandText = "PRAGMA synchronous";
        synchronous.ExecuteScalar().ShouldBe(1L); // NORMAL, the default setting; SQLite's own default is FULL (2)
    }

    /// <summary>Another connection takes SQLite's single write lock and keeps it until disposed.</summary>
    internal static IDisposable HoldWriteLock(SqliteDatabase database)
    {
        var connection = database.Open();
        var transaction = connection.BeginTransaction(deferred: false);
        return new Releaser(() =>
        {
            transaction.Rollback();
            transaction.Dispose();
            connection.Dispose();
        });
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

/// <summary>
/// Grain state through the SQLite writer, with a 1 s busy timeout: a write that times out on a file another
/// connection holds locked must fail cleanly and leave the writer able to write again (no connection stuck in a
/// half-open transaction).
/// </summary>
public sealed class GrainStorageLockTests : IAsyncLifetime
{
    private readonly string _path = TempDatabase.NewPath();
    private InProcessTestCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:SqlitePath"] = _path,
            ["AgentChannel:Storage:BusyTimeoutSeconds"] = "1",
        }));
        builder.ConfigureSilo((_, silo) => silo.AddAgentChannel(silo.Configuration));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        TempDatabase.Delete(_path);
    }

    [Fact]
    public async Task A_state_write_that_times_out_on_a_locked_file_fails_and_the_next_one_succeeds()
    {
        var agent = _cluster.Client.GetGrain<IAgentGrain>("locked-agent");
        await agent.Register(new AgentRegistration("locked-agent", "llm", null, null), null);
        var database = new SqliteDatabase(
            Options.Create(new StorageOptions { SqlitePath = _path, BusyTimeoutSeconds = 1 }), NullLogger<SqliteDatabase>.Instance);

        using (SqliteStorageTests.HoldWriteLock(database))
        {
            await Should.ThrowAsync<Exception>(() => agent.SetStatus(Caller.Operator, AgentStatus.Busy));
        }

        for (var attempt = 0; attempt < 3; attempt++)
        {
            (await agent.SetStatus(Caller.Operator, AgentStatus.Offline)).Status.ShouldBe(AgentStatus.Offline);
        }
        await _cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        (await agent.Get())!.Status.ShouldBe(AgentStatus.Offline);
    }
}
