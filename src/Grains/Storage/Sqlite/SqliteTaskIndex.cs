using System.Text.Json;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteTaskIndex(SqliteDatabase database, SqliteWriteQueue writes) : ITaskIndex
{
    public Task<long> Save(TaskInfo row, byte[] state, long expectedVersion, bool owesNotices) => writes.Enqueue(transaction =>
    {
        var stats = StatsTaskColumns.Of(row);
        var save = transaction.Statement(
            TaskIndexSql.Save,
            ("@id", row.Id.ToString()), ("@status", AgentChannelJson.WireName(row.Status)), ("@priority", row.Priority),
            ("@creator", AgentNames.Key(row.Creator)), ("@assignee", row.AssignedTo is { } assignee ? AgentNames.Key(assignee) : null),
            ("@created_at", row.CreatedAt.ToUnixTimeMilliseconds()),
            ("@document", JsonSerializer.Serialize(row, AgentChannelJson.Options)),
            ("@capabilities", stats.Capabilities), ("@first_assigned_at", stats.FirstAssignedAt), ("@closed_at", stats.ClosedAt),
            ("@assignments", stats.Assignments), ("@state", state), ("@expected_version", expectedVersion),
            ("@owes_notices", owesNotices ? 1 : 0));
        if (save.ExecuteNonQuery() != 1)
        {
            throw TaskIndexSql.VersionConflict(row.Id, expectedVersion);
        }
        foreach (var party in TaskIndexSql.Parties(row))
        {
            transaction.Statement("INSERT OR IGNORE INTO task_parties (agent_key, task_id) VALUES (@agent, @task)",
                ("@agent", party), ("@task", row.Id.ToString())).ExecuteNonQuery();
        }
        foreach (var artifact in row.Artifacts ?? [])
        {
            // The task's parties may read the artifacts its result carries (MessageHistorySql.ArtifactReadable).
            transaction.Statement("INSERT OR IGNORE INTO artifact_tasks (artifact_id, task_id) VALUES (@artifact, @task)",
                ("@artifact", artifact.ToString()), ("@task", row.Id.ToString())).ExecuteNonQuery();
        }
        return expectedVersion + 1;
    });

    public Task<IReadOnlyList<Guid>> OwingNotices() => database.Read<IReadOnlyList<Guid>>(connection =>
    {
        using var command = connection.Command(TaskIndexSql.OwingNotices);
        return ReadIds(command);
    });

    public Task<StoredTaskState?> ReadState(Guid id) => database.Read(connection =>
    {
        using var command = connection.Command(TaskIndexSql.ReadState, ("@id", id.ToString()));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredTaskState((byte[])reader.GetValue(0), reader.GetInt64(1)) : null;
    });

    public Task<TaskPage> List(TaskQuery query) => database.Read(connection =>
    {
        using var command = connection.Command(
            """
            SELECT row_id, document FROM tasks
            WHERE (@status IS NULL OR status = @status)
              AND (@assignee IS NULL OR assignee = @assignee)
              AND (@creator IS NULL OR creator = @creator)
              AND (@priority IS NULL OR priority = @priority)
              AND (@after IS NULL OR row_id < @after)
            ORDER BY row_id DESC
            LIMIT @limit
            """,
            ("@status", query.Status is { } status ? AgentChannelJson.WireName(status) : null),
            ("@assignee", query.Assignee is { } assignee ? AgentNames.Key(assignee) : null),
            ("@creator", query.Creator is { } creator ? AgentNames.Key(creator) : null),
            ("@priority", query.Priority), ("@after", Cursors.ToPosition(query.Cursor)), ("@limit", query.Limit + 1));
        using var reader = command.ExecuteReader();
        var tasks = new List<TaskInfo>();
        long lastRow = 0;
        while (tasks.Count < query.Limit && reader.Read())
        {
            lastRow = reader.GetInt64(0);
            tasks.Add(StoredDocuments.Read<TaskInfo>(reader.GetString(1)));
        }
        var hasMore = tasks.Count == query.Limit && reader.Read();
        return new TaskPage(tasks, hasMore ? Cursors.FromPosition(lastRow) : null);
    });

    public Task<IReadOnlyList<Guid>> HeldBy(string agentKey) => database.Read<IReadOnlyList<Guid>>(connection =>
    {
        using var command = connection.Command(
            $"SELECT id FROM tasks WHERE assignee = @assignee AND status IN ({TaskTransitions.HeldSqlList})",
            ("@assignee", agentKey));
        return ReadIds(command);
    });

    public Task<IReadOnlyList<TaskInfo>> Waiting(int limit) => database.Read<IReadOnlyList<TaskInfo>>(connection =>
    {
        using var command = connection.Command(
            "SELECT document FROM tasks WHERE status = @pending ORDER BY priority, row_id LIMIT @limit",
            ("@pending", AgentChannelJson.WireName(AgentTaskStatus.Pending)), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var tasks = new List<TaskInfo>();
        while (reader.Read())
        {
            tasks.Add(StoredDocuments.Read<TaskInfo>(reader.GetString(0)));
        }
        return tasks;
    });

    public Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus() =>
        database.Read<IReadOnlyDictionary<AgentTaskStatus, int>>(connection =>
        {
            // Served from ix_tasks_status alone: no task document is read.
            using var command = connection.Command("SELECT status, COUNT(*) FROM tasks GROUP BY status");
            using var reader = command.ExecuteReader();
            var counts = new Dictionary<AgentTaskStatus, int>();
            while (reader.Read())
            {
                counts[AgentChannelJson.ParseWireName<AgentTaskStatus>(reader.GetString(0), "status")!.Value] = reader.GetInt32(1);
            }
            return counts;
        });

    public Task<IReadOnlyList<Guid>> WithStatus(IReadOnlyList<AgentTaskStatus> statuses) => database.Read<IReadOnlyList<Guid>>(connection =>
    {
        var names = string.Join(", ", statuses.Select((_, i) => $"@s{i}"));
        using var command = connection.Command($"SELECT id FROM tasks WHERE status IN ({names})",
            statuses.Select((status, i) => ($"@s{i}", (object?)AgentChannelJson.WireName(status))).ToArray());
        return ReadIds(command);
    });

    public Task<bool> Reaches(IReadOnlyList<Guid> from, Guid target, int maxTasks) => database.Read(connection =>
    {
        // UNION keeps each task once, so a cycle already stored ends the walk; the LIMIT bounds it, and the outer
        // LIMIT 1 stops it at the first sight of the target (SQLite hands the rows of a recursive CTE out as it makes them).
        using var command = connection.Command(
            """
            WITH RECURSIVE reached(id) AS (
                SELECT value FROM json_each(@from)
                UNION
                SELECT dependency.value FROM reached
                JOIN tasks ON tasks.id = reached.id, json_each(tasks.document, '$.depends_on') AS dependency
                LIMIT @max_tasks
            )
            SELECT 1 FROM reached WHERE id = @target LIMIT 1
            """,
            ("@from", JsonSerializer.Serialize(from.Select(id => id.ToString()))), ("@target", target.ToString()), ("@max_tasks", maxTasks));
        return command.ExecuteScalar() is not null;
    });

    private static List<Guid> ReadIds(Microsoft.Data.Sqlite.SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var ids = new List<Guid>();
        while (reader.Read())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }
        return ids;
    }
}
