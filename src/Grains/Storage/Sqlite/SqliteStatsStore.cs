using Microsoft.Data.Sqlite;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// All the SQL of the reports, on SQLite: the reads behind <see cref="IStatsStore"/>, the per-hour activity
/// counters the message log, inbox and memory index bump inside their own write transactions, and the
/// one-off fill of those counters when an older file is upgraded. Plain SQL (INSERT ... ON CONFLICT DO
/// UPDATE, integer arithmetic), so a PostgreSQL port is the same statements on another connection.
/// </summary>
public sealed class SqliteStatsStore(SqliteDatabase database) : IStatsStore
{
    public Task<IReadOnlyList<StatsTaskRow>> TasksCreated(long fromMs, long toMs, string? creatorKey) => database.Read<IReadOnlyList<StatsTaskRow>>(connection =>
    {
        using var command = connection.Command(
            $"""
             SELECT {StatsSql.TaskColumns} FROM tasks
             WHERE created_at >= @from AND created_at < @to AND (@agent IS NULL OR creator = @agent)
             """,
            ("@from", fromMs), ("@to", toMs), ("@agent", creatorKey));
        return ReadTasks(command);
    });

    public Task<IReadOnlyList<StatsTaskRow>> TasksClosed(long fromMs, long toMs, string? assigneeKey) => database.Read<IReadOnlyList<StatsTaskRow>>(connection =>
    {
        using var command = connection.Command(
            $"""
             SELECT {StatsSql.TaskColumns} FROM tasks
             WHERE closed_at >= @from AND closed_at < @to AND (@agent IS NULL OR assignee = @agent)
             """,
            ("@from", fromMs), ("@to", toMs), ("@agent", assigneeKey));
        return ReadTasks(command);
    });

    public Task<IReadOnlyList<StatsActivityRow>> Activity(long fromHourMs, long toHourMs, string? agentKey) =>
        database.Read<IReadOnlyList<StatsActivityRow>>(connection =>
        {
            using var command = connection.Command(
                """
                SELECT hour, agent_key, messages_sent, messages_received, memory_writes FROM agent_activity_hours
                WHERE hour >= @from AND hour < @to AND (@agent IS NULL OR agent_key = @agent)
                """,
                ("@from", fromHourMs), ("@to", toHourMs), ("@agent", agentKey));
            using var reader = command.ExecuteReader();
            var rows = new List<StatsActivityRow>();
            while (reader.Read())
            {
                rows.Add(StatsSql.ActivityRow(reader));
            }
            return rows;
        });

    public Task<IReadOnlyDictionary<long, StatsTaskName>> Names(IReadOnlyCollection<long> rows) =>
        database.Read<IReadOnlyDictionary<long, StatsTaskName>>(connection =>
        {
            var names = new Dictionary<long, StatsTaskName>();
            foreach (var row in rows)
            {
                using var command = connection.Command("SELECT id, document FROM tasks WHERE row_id = @row", ("@row", row));
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    names[row] = new StatsTaskName(Guid.Parse(reader.GetString(0)), StoredDocuments.Read<TaskInfo>(reader.GetString(1)).Title);
                }
            }
            return names;
        });

    /// <summary>Adds to an agent's counters for the hour holding <paramref name="atMs"/>, inside the caller's transaction.</summary>
    internal static void Count(SqliteTransaction transaction, long atMs, string agentKey, long sent = 0, long received = 0, long memoryWrites = 0)
    {
        var upsert = transaction.Statement(
            StatsSql.CountActivity,
            ("@hour", StatsWindow.HourOf(atMs)), ("@agent", agentKey), ("@sent", sent), ("@received", received), ("@memory_writes", memoryWrites));
        upsert.ExecuteNonQuery();
    }

    /// <summary>
    /// The schema this store reads beyond the base script: task columns added after the tasks table first
    /// shipped, their indexes, and the counters, filled once from the records an upgraded file already holds
    /// (memory writes only as far as the bounded history still shows them).
    /// </summary>
    internal static void ApplySchema(SqliteConnection connection)
    {
        // One column is enough to tell: they were added together.
        var olderTasks = SqliteDatabase.AddColumnIfMissing(connection, "tasks", "capabilities", "TEXT NOT NULL DEFAULT '[]'");
        SqliteDatabase.AddColumnIfMissing(connection, "tasks", "first_assigned_at", "INTEGER NULL");
        SqliteDatabase.AddColumnIfMissing(connection, "tasks", "closed_at", "INTEGER NULL");
        SqliteDatabase.AddColumnIfMissing(connection, "tasks", "assignments", "INTEGER NOT NULL DEFAULT 0");
        if (olderTasks)
        {
            FillTaskColumns(connection);
        }
        bool counted;
        using (var exists = connection.Command("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'agent_activity_hours'"))
        {
            counted = (long)exists.ExecuteScalar()! > 0;
        }
        using var transaction = connection.BeginTransaction();
        using var schema = transaction.Command(
            """
            -- Covering: a report reads index pages only, never the rows with their task documents.
            CREATE INDEX IF NOT EXISTS ix_tasks_stats_created ON tasks
                (created_at, status, creator, assignee, capabilities, first_assigned_at, closed_at, assignments);
            CREATE INDEX IF NOT EXISTS ix_tasks_stats_closed ON tasks
                (closed_at, status, creator, assignee, capabilities, created_at, first_assigned_at, assignments)
                WHERE closed_at IS NOT NULL;
            CREATE TABLE IF NOT EXISTS agent_activity_hours
            (
                hour              INTEGER NOT NULL,
                agent_key         TEXT    NOT NULL,
                messages_sent     INTEGER NOT NULL,
                messages_received INTEGER NOT NULL,
                memory_writes     INTEGER NOT NULL,
                PRIMARY KEY (hour, agent_key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_agent_activity_agent ON agent_activity_hours (agent_key, hour);
            """);
        schema.ExecuteNonQuery();
        if (!counted)
        {
            using var fill = transaction.Command(
                """
                INSERT INTO agent_activity_hours (hour, agent_key, messages_sent, messages_received, memory_writes)
                SELECT hour, agent_key, SUM(sent), SUM(received), SUM(writes) FROM (
                    SELECT created_at - created_at % 3600000 AS hour, LOWER(sender) AS agent_key, 1 AS sent, 0 AS received, 0 AS writes FROM messages
                    UNION ALL
                    SELECT created_at - created_at % 3600000, agent_key, 0, 1, 0 FROM inbox WHERE event = @received
                    UNION ALL
                    SELECT updated_at - updated_at % 3600000, LOWER(updated_by), 0, 0, 1 FROM memory_history
                ) GROUP BY hour, agent_key
                """,
                ("@received", Events.EventNames.MessageReceived));
            fill.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Tasks stored before the columns existed get them from their documents, once.</summary>
    private static void FillTaskColumns(SqliteConnection connection)
    {
        var columns = new List<(long Row, StatsTaskColumns Values)>();
        using (var read = connection.Command("SELECT row_id, document FROM tasks"))
        using (var reader = read.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add((reader.GetInt64(0), StatsTaskColumns.Of(StoredDocuments.Read<TaskInfo>(reader.GetString(1)))));
            }
        }
        using var transaction = connection.BeginTransaction();
        foreach (var (row, values) in columns)
        {
            var update = transaction.Statement(
                """
                UPDATE tasks SET capabilities = @capabilities, first_assigned_at = @first_assigned_at, closed_at = @closed_at,
                                 assignments = @assignments
                WHERE row_id = @row
                """,
                ("@capabilities", values.Capabilities), ("@first_assigned_at", values.FirstAssignedAt), ("@closed_at", values.ClosedAt),
                ("@assignments", values.Assignments), ("@row", row));
            update.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static List<StatsTaskRow> ReadTasks(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<StatsTaskRow>();
        while (reader.Read())
        {
            rows.Add(StatsSql.TaskRow(reader));
        }
        return rows;
    }
}
