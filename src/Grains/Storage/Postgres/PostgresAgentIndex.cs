using System.Text.Json;
using Npgsql;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresAgentIndex(PostgresDatabase database) : IAgentIndex
{
    private static readonly string ActiveTasks =
        $"(SELECT COUNT(*) FROM tasks t WHERE t.assignee = a.name_key AND t.status IN ({TaskTransitions.HeldSqlList}))";

    public Task<long> Save(AgentInfo agent, DateTimeOffset? retiredAt, GrainStateWrite state) => database.Write(transaction =>
    {
        var nameKey = AgentNames.Key(agent.Name);
        return transaction.SaveGrainState(state,
            PostgresGrainStateCommands.Statement(
                """
                INSERT INTO agents (name_key, id, type, status, created_at, document, retired_at)
                VALUES (@name_key, @id, @type, @status, @created_at, @document, @retired_at)
                ON CONFLICT (name_key) DO UPDATE SET
                    type = excluded.type, status = excluded.status, document = excluded.document, retired_at = excluded.retired_at
                """,
                ("name_key", nameKey), ("id", agent.Id), ("type", agent.Type),
                ("retired_at", retiredAt?.ToUnixTimeMilliseconds()),
                ("status", AgentChannelJson.WireName(agent.Status)), ("created_at", agent.CreatedAt.ToUnixTimeMilliseconds()),
                ("document", JsonSerializer.Serialize(agent, AgentChannelJson.Options))),
            PostgresGrainStateCommands.Statement("DELETE FROM agent_capabilities WHERE name_key = @name_key", ("name_key", nameKey)),
            PostgresGrainStateCommands.Statement(
                "INSERT INTO agent_capabilities (capability, name_key) SELECT DISTINCT unnest(@capabilities), @name_key ON CONFLICT DO NOTHING",
                ("name_key", nameKey), ("capabilities", agent.Capabilities.ToArray())));
    });

    public Task<IReadOnlyList<AgentListing>> List(AgentQuery query) => database.Read<IReadOnlyList<AgentListing>>(async connection =>
    {
        var conditions = new List<string> { "a.retired_at IS NULL" };
        var parameters = new List<(string, object?)>();
        conditions.AddFilter(parameters, "a.status = @status", "status", query.Status is { } status ? AgentChannelJson.WireName(status) : null);
        conditions.AddFilter(parameters, "a.type = @type", "type", query.Type);
        conditions.AddFilter(parameters,
            "EXISTS (SELECT 1 FROM agent_capabilities c WHERE c.capability = @capability AND c.name_key = a.name_key)",
            "capability", query.Capability);
        await using var command = connection.Command(
            $"SELECT a.document, {ActiveTasks} FROM agents a {conditions.Where()} ORDER BY a.name_key", [.. parameters]);
        return await ReadListings(command);
    });

    public Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities, int maxActive, int? limit = null) =>
        database.Read<IReadOnlyList<AgentListing>>(async connection =>
        {
            await using var command = connection.Command(
                $"""
                 SELECT document, active FROM (
                     SELECT a.document, a.name_key, {ActiveTasks} AS active
                     FROM agents a
                     WHERE a.status = '{AgentChannelJson.WireName(AgentStatus.Online)}' AND a.retired_at IS NULL
                       AND (SELECT COUNT(DISTINCT c.capability) FROM agent_capabilities c
                            WHERE c.name_key = a.name_key AND c.capability = ANY(@capabilities)) = cardinality(@capabilities)) candidates
                 WHERE active < @max_active
                 ORDER BY active, name_key COLLATE "C"
                 LIMIT @limit
                 """,
                ("capabilities", capabilities.Distinct().ToArray()), ("max_active", (long)maxActive), ("limit", (long)(limit ?? int.MaxValue)));
            return await ReadListings(command);
        });

    public Task<IReadOnlyList<string>> Stale(DateTimeOffset seenBefore, int limit) => database.Read<IReadOnlyList<string>>(async connection =>
    {
        // last_seen lives in the document only: the offline, unretired ones are read and the old ones kept.
        await using var command = connection.Command(
            $"SELECT document FROM agents WHERE status = '{AgentChannelJson.WireName(AgentStatus.Offline)}' AND retired_at IS NULL ORDER BY name_key");
        await using var reader = await command.ExecuteReaderAsync();
        var stale = new List<string>();
        while (stale.Count < limit && await reader.ReadAsync())
        {
            var agent = StoredDocuments.Read<AgentInfo>(reader.GetString(0));
            if (agent.LastSeen < seenBefore)
            {
                stale.Add(agent.Name);
            }
        }
        return stale;
    });

    public Task<string?> FindNameById(Guid id) => database.Read(async connection =>
    {
        await using var command = connection.Command("SELECT name_key FROM agents WHERE id = @id", ("id", id));
        return await command.ExecuteScalarAsync() as string;
    });

    private static async Task<IReadOnlyList<AgentListing>> ReadListings(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var agents = new List<AgentListing>();
        while (await reader.ReadAsync())
        {
            agents.Add(AgentListing.From(StoredDocuments.Read<AgentInfo>(reader.GetString(0)), (int)reader.GetInt64(1)));
        }
        return agents;
    }
}
