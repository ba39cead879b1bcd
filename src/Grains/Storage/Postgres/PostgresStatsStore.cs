using Npgsql;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// The reports' reads on PostgreSQL, and the per-hour activity counters the message log, inbox and memory index
/// bump inside their own transactions (the same statements as <see cref="Sqlite.SqliteStatsStore"/>).
/// </summary>
public sealed class PostgresStatsStore(PostgresDatabase database) : IStatsStore
{
    public Task<IReadOnlyList<StatsTaskRow>> TasksCreated(long fromMs, long toMs, string? creatorKey) =>
        ReadTasks("created_at >= @from AND created_at < @to", "creator = @agent", fromMs, toMs, creatorKey);

    public Task<IReadOnlyList<StatsTaskRow>> TasksClosed(long fromMs, long toMs, string? assigneeKey) =>
        ReadTasks("closed_at >= @from AND closed_at < @to", "assignee = @agent", fromMs, toMs, assigneeKey);

    public Task<IReadOnlyList<StatsActivityRow>> Activity(long fromHourMs, long toHourMs, string? agentKey) =>
        database.Read<IReadOnlyList<StatsActivityRow>>(async connection =>
        {
            var conditions = new List<string> { "hour >= @from AND hour < @to" };
            var parameters = new List<(string, object?)> { ("from", fromHourMs), ("to", toHourMs) };
            conditions.AddFilter(parameters, "agent_key = @agent", "agent", agentKey);
            await using var command = connection.Command(
                $"SELECT hour, agent_key, messages_sent, messages_received, memory_writes FROM agent_activity_hours {conditions.Where()}",
                [.. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<StatsActivityRow>();
            while (await reader.ReadAsync())
            {
                rows.Add(StatsSql.ActivityRow(reader));
            }
            return rows;
        });

    public Task<IReadOnlyDictionary<long, StatsTaskName>> Names(IReadOnlyCollection<long> rows) =>
        database.Read<IReadOnlyDictionary<long, StatsTaskName>>(async connection =>
        {
            await using var command = connection.Command("SELECT row_id, id, document FROM tasks WHERE row_id = ANY(@rows)", ("rows", rows.ToArray()));
            await using var reader = await command.ExecuteReaderAsync();
            var names = new Dictionary<long, StatsTaskName>();
            while (await reader.ReadAsync())
            {
                names[reader.GetInt64(0)] = new StatsTaskName(reader.GetGuid(1), StoredDocuments.Read<TaskInfo>(reader.GetString(2)).Title);
            }
            return names;
        });

    /// <summary>Adds to an agent's counters for the hour holding <paramref name="atMs"/>, inside the caller's transaction.</summary>
    /// <summary>Bumps an agent's hourly counters in the transaction: at the end of its batch when the write queue runs it.</summary>
    internal static async Task Count(NpgsqlTransaction transaction, long atMs, string agentKey, long sent = 0, long received = 0, long memoryWrites = 0)
    {
        if (PostgresWriteQueue.CountersOf(transaction) is { } batch)
        {
            batch.Add(StatsWindow.HourOf(atMs), agentKey, sent, received, memoryWrites);
            return;
        }
        await using var upsert = transaction.Command(
            StatsSql.CountActivity,
            ("hour", StatsWindow.HourOf(atMs)), ("agent", agentKey), ("sent", sent), ("received", received), ("memory_writes", memoryWrites));
        await upsert.ExecuteNonQueryAsync();
    }

    /// <summary><see cref="Count"/> as a statement of a batch (<see cref="PostgresGrainStateCommands"/>).</summary>
    internal static NpgsqlBatchCommand CountStatement(long atMs, string agentKey, long sent = 0, long received = 0, long memoryWrites = 0) =>
        PostgresGrainStateCommands.Statement(
            StatsSql.CountActivity,
            ("hour", StatsWindow.HourOf(atMs)), ("agent", agentKey), ("sent", sent), ("received", received), ("memory_writes", memoryWrites));

    private Task<IReadOnlyList<StatsTaskRow>> ReadTasks(string window, string agentCondition, long fromMs, long toMs, string? agentKey) =>
        database.Read<IReadOnlyList<StatsTaskRow>>(async connection =>
        {
            var conditions = new List<string> { window };
            var parameters = new List<(string, object?)> { ("from", fromMs), ("to", toMs) };
            conditions.AddFilter(parameters, agentCondition, "agent", agentKey);
            await using var command = connection.Command($"SELECT {StatsSql.TaskColumns} FROM tasks {conditions.Where()}", [.. parameters]);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<StatsTaskRow>();
            while (await reader.ReadAsync())
            {
                rows.Add(StatsSql.TaskRow(reader));
            }
            return rows;
        });
}
