using System.Text.Json;
using Npgsql;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresTaskIndex(PostgresDatabase database) : ITaskIndex
{
    public Task<long> Save(TaskInfo row, byte[] state, long expectedVersion, bool owesNotices) => database.Write(async transaction =>
    {
        var stats = StatsTaskColumns.Of(row);
        // The thread's readers in the same statement, only when the state was written.
        await using var save = transaction.Command(
            $"""
             WITH saved AS ({TaskIndexSql.Save} RETURNING id), parties AS (
                 INSERT INTO task_parties (agent_key, task_id) SELECT p.key, s.id FROM saved s CROSS JOIN unnest(@parties) AS p(key)
                 ON CONFLICT DO NOTHING
             ), artifacts AS (
                 INSERT INTO artifact_tasks (artifact_id, task_id) SELECT a.id, s.id FROM saved s CROSS JOIN unnest(@artifacts) AS a(id)
                 ON CONFLICT DO NOTHING
             )
             SELECT count(*) FROM saved
             """,
            ("id", row.Id), ("status", AgentChannelJson.WireName(row.Status)), ("priority", row.Priority),
            ("creator", AgentNames.Key(row.Creator)), ("assignee", row.AssignedTo is { } assignee ? AgentNames.Key(assignee) : null),
            ("created_at", row.CreatedAt.ToUnixTimeMilliseconds()),
            ("document", JsonSerializer.Serialize(row, AgentChannelJson.Options)),
            ("capabilities", stats.Capabilities), ("first_assigned_at", stats.FirstAssignedAt), ("closed_at", stats.ClosedAt),
            ("assignments", stats.Assignments), ("state", state), ("expected_version", expectedVersion),
            ("owes_notices", owesNotices ? 1 : 0), ("parties", TaskIndexSql.Parties(row)),
            ("artifacts", (row.Artifacts ?? []).ToArray()));
        save.Parameters["assignee"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
        save.Parameters["first_assigned_at"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        save.Parameters["closed_at"].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint;
        return (long)(await save.ExecuteScalarAsync())! == 1 ? expectedVersion + 1 : throw TaskIndexSql.VersionConflict(row.Id, expectedVersion);
    });

    public Task<IReadOnlyList<Guid>> OwingNotices() => database.Read<IReadOnlyList<Guid>>(async connection =>
    {
        await using var command = connection.Command(TaskIndexSql.OwingNotices);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    });

    public Task<StoredTaskState?> ReadState(Guid id) => database.Read(async connection =>
    {
        await using var command = connection.Command(TaskIndexSql.ReadState, ("id", id));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new StoredTaskState((byte[])reader.GetValue(0), reader.GetInt64(1)) : null;
    });

    public Task<TaskPage> List(TaskQuery query) => database.Read(async connection =>
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        conditions.AddFilter(parameters, "status = @status", "status", query.Status is { } status ? AgentChannelJson.WireName(status) : null);
        conditions.AddFilter(parameters, "assignee = @assignee", "assignee", query.Assignee is { } assignee ? AgentNames.Key(assignee) : null);
        conditions.AddFilter(parameters, "creator = @creator", "creator", query.Creator is { } creator ? AgentNames.Key(creator) : null);
        conditions.AddFilter(parameters, "priority = @priority", "priority", query.Priority);
        conditions.AddFilter(parameters, "row_id < @after", "after", Cursors.ToPosition(query.Cursor));
        parameters.Add(("limit", query.Limit + 1));
        await using var command = connection.Command(
            $"SELECT row_id, document FROM tasks {conditions.Where()} ORDER BY row_id DESC LIMIT @limit", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync();
        var tasks = new List<TaskInfo>();
        long lastRow = 0;
        while (tasks.Count < query.Limit && await reader.ReadAsync())
        {
            lastRow = reader.GetInt64(0);
            tasks.Add(StoredDocuments.Read<TaskInfo>(reader.GetString(1)));
        }
        var hasMore = tasks.Count == query.Limit && await reader.ReadAsync();
        return new TaskPage(tasks, hasMore ? Cursors.FromPosition(lastRow) : null);
    });

    public Task<IReadOnlyList<Guid>> HeldBy(string agentKey) => database.Read<IReadOnlyList<Guid>>(async connection =>
    {
        await using var command = connection.Command(
            $"SELECT id FROM tasks WHERE assignee = @assignee AND status IN ({TaskTransitions.HeldSqlList})",
            ("assignee", agentKey));
        return await ReadIds(command);
    });

    public Task<IReadOnlyList<TaskInfo>> Waiting(int limit) => database.Read<IReadOnlyList<TaskInfo>>(async connection =>
    {
        await using var command = connection.Command(
            // The status as a literal, the one the partial index ix_tasks_waiting is on: a bound parameter would not let
            // the planner use it, and the sort of every waiting task would be paid per claim.
            "SELECT document FROM tasks WHERE status = 'pending' ORDER BY priority, row_id LIMIT @limit",
            ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var tasks = new List<TaskInfo>();
        while (await reader.ReadAsync())
        {
            tasks.Add(StoredDocuments.Read<TaskInfo>(reader.GetString(0)));
        }
        return tasks;
    });

    public Task<IReadOnlyDictionary<AgentTaskStatus, int>> CountByStatus() =>
        database.Read<IReadOnlyDictionary<AgentTaskStatus, int>>(async connection =>
        {
            await using var command = connection.Command("SELECT status, COUNT(*) FROM tasks GROUP BY status");
            await using var reader = await command.ExecuteReaderAsync();
            var counts = new Dictionary<AgentTaskStatus, int>();
            while (await reader.ReadAsync())
            {
                counts[AgentChannelJson.ParseWireName<AgentTaskStatus>(reader.GetString(0), "status")!.Value] = (int)reader.GetInt64(1);
            }
            return counts;
        });

    public Task<IReadOnlyList<Guid>> WithStatus(IReadOnlyList<AgentTaskStatus> statuses) => database.Read<IReadOnlyList<Guid>>(async connection =>
    {
        await using var command = connection.Command("SELECT id FROM tasks WHERE status = ANY(@statuses)",
            ("statuses", statuses.Select(status => AgentChannelJson.WireName(status)).ToArray()));
        return await ReadIds(command);
    });

    public Task<bool> Reaches(IReadOnlyList<Guid> from, Guid target, int maxTasks) => database.Read(async connection =>
    {
        // UNION keeps each task once, so a cycle already stored ends the walk; PostgreSQL computes a recursive CTE only
        // as far as the outer query reads it, so the LIMIT bounds the walk and the first sight of the target ends it.
        await using var command = connection.Command(
            """
            WITH RECURSIVE reached(id) AS (
                SELECT unnest(@from::uuid[])
                UNION
                SELECT dependency.value::uuid FROM reached
                JOIN tasks ON tasks.id = reached.id
                CROSS JOIN LATERAL jsonb_array_elements_text(tasks.document::jsonb -> 'depends_on') AS dependency(value)
            )
            SELECT EXISTS (SELECT 1 FROM (SELECT id FROM reached LIMIT @max_tasks) AS walked WHERE walked.id = @target)
            """,
            ("from", from.ToArray()), ("target", target), ("max_tasks", maxTasks));
        return (bool)(await command.ExecuteScalarAsync())!;
    });

    private static async Task<IReadOnlyList<Guid>> ReadIds(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }
}
