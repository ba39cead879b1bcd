using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>A file written before the reports existed: starting on it adds what they read, once.</summary>
public sealed class StatsStorageTests : IDisposable
{
    private static readonly long NineOClock = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private const long Minute = 60_000;

    private readonly string _path = TempDatabase.NewPath();

    public void Dispose() => TempDatabase.Delete(_path);

    [Fact]
    public async Task An_older_file_gains_the_report_columns_and_counters_filled_from_its_records()
    {
        var database = new SqliteDatabase(Options.Create(new StorageOptions { SqlitePath = _path }), NullLogger<SqliteDatabase>.Instance);
        WriteOlderFile(database);

        database.ApplySchema();
        database.ApplySchema();

        var store = new SqliteStatsStore(database);
        var counters = await store.Activity(NineOClock, NineOClock + 120 * Minute, agentKey: null);
        counters.OrderBy(row => row.Hour).ThenBy(row => row.Agent).ShouldBe(
        [
            new StatsActivityRow(NineOClock, "alice", MessagesSent: 1, MessagesReceived: 0, MemoryWrites: 1),
            new StatsActivityRow(NineOClock, "bob", MessagesSent: 0, MessagesReceived: 1, MemoryWrites: 0),
            new StatsActivityRow(NineOClock + 60 * Minute, "alice", MessagesSent: 1, MessagesReceived: 0, MemoryWrites: 0),
        ]);
        // The task's report columns come from its stored document.
        var task = (await store.TasksCreated(NineOClock, NineOClock + 60 * Minute, creatorKey: null)).ShouldHaveSingleItem();
        task.ShouldBe(new StatsTaskRow(task.Row, "completed", "alice", "bob", """["build"]""", NineOClock + 5 * Minute,
            NineOClock + 10 * Minute, NineOClock + 50 * Minute, 1));
    }

    private static readonly TaskInfo OldTask = new(
        Guid.CreateVersion7(), "old", "", AgentTaskStatus.Completed, 5, "alice", "bob",
        At(5), At(50), null, At(50), new RawJson("""{"capabilities": ["build"]}"""), null,
        [new TaskAssignment(Guid.CreateVersion7(), "bob", AssignmentStatus.Completed, At(10), At(50), "engine")], [], 0, null, null, false);

    private static DateTimeOffset At(int minutes) => DateTimeOffset.FromUnixTimeMilliseconds(NineOClock + minutes * Minute);

    /// <summary>The file as the first release left it: the base script only, and a few records written by hand.</summary>
    private static void WriteOlderFile(SqliteDatabase database)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database.FilePath)!);
        using var connection = database.Open();
        using var stream = typeof(SqliteDatabase).Assembly.GetManifestResourceStream("Sqlite/100-AgentChannel.sql")!;
        using (var schema = connection.Command(new StreamReader(stream).ReadToEnd()))
        {
            schema.ExecuteNonQuery();
        }
        using var records = connection.Command(
            """
            INSERT INTO messages (id, sender, message_type, content, metadata, recipients, created_at)
            VALUES ('m1', 'Alice', 'text', 'hi', '{}', '["bob"]', @t10), ('m2', 'Alice', 'text', 'again', '{}', '[]', @t80);
            INSERT INTO inbox (agent_key, seq, event, message_seq, data, created_at)
            VALUES ('bob', 1, 'message:received', 1, NULL, @t10), ('bob', 2, 'task:assigned', NULL, '{}', @t20);
            INSERT INTO memory_history (key, version, value, updated_by, updated_at) VALUES ('k', 1, '1', 'Alice', @t30);
            INSERT INTO tasks (id, status, priority, creator, assignee, created_at, document)
            VALUES (@task_id, 'completed', 5, 'alice', 'bob', @t5, @task);
            """,
            ("@task_id", OldTask.Id.ToString()), ("@task", JsonSerializer.Serialize(OldTask, AgentChannelJson.Options)),
            ("@t5", NineOClock + 5 * Minute), ("@t10", NineOClock + 10 * Minute), ("@t20", NineOClock + 20 * Minute),
            ("@t30", NineOClock + 30 * Minute), ("@t80", NineOClock + 80 * Minute));
        records.ExecuteNonQuery();
    }
}
