using Orleans.AgentChannel.Json;
using System.Text.Json;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteAgentIndex(SqliteDatabase database, SqliteWriteQueue writes) : IAgentIndex
{
    public Task<long> Save(AgentInfo agent, DateTimeOffset? retiredAt, GrainStateWrite state) => writes.Enqueue(transaction =>
    {
        var version = transaction.SaveGrainState(state);
        var nameKey = AgentNames.Key(agent.Name);
        var upsert = transaction.Statement(
            """
            INSERT INTO agents (name_key, id, type, status, created_at, document, retired_at)
            VALUES (@name_key, @id, @type, @status, @created_at, @document, @retired_at)
            ON CONFLICT (name_key) DO UPDATE SET
                type = excluded.type, status = excluded.status, document = excluded.document, retired_at = excluded.retired_at
            """,
            ("@name_key", nameKey), ("@id", agent.Id.ToString()), ("@type", agent.Type),
            ("@retired_at", retiredAt?.ToUnixTimeMilliseconds()),
            ("@status", AgentChannelJson.WireName(agent.Status)), ("@created_at", agent.CreatedAt.ToUnixTimeMilliseconds()),
            ("@document", JsonSerializer.Serialize(agent, AgentChannelJson.Options)));
        upsert.ExecuteNonQuery();
        var clear = transaction.Statement("DELETE FROM agent_capabilities WHERE name_key = @name_key", ("@name_key", nameKey));
        clear.ExecuteNonQuery();
        foreach (var capability in agent.Capabilities)
        {
            var insert = transaction.Statement(
                "INSERT OR IGNORE INTO agent_capabilities (capability, name_key) VALUES (@capability, @name_key)",
                ("@capability", capability), ("@name_key", nameKey));
            insert.ExecuteNonQuery();
        }
        return version;
    });

    public Task<IReadOnlyList<AgentListing>> List(AgentQuery query) => database.Read<IReadOnlyList<AgentListing>>(connection =>
    {
        using var command = connection.Command(
            $"""
             SELECT a.document,
                    (SELECT COUNT(*) FROM tasks t WHERE t.assignee = a.name_key AND t.status IN ({TaskTransitions.HeldSqlList}))
             FROM agents a
             WHERE a.retired_at IS NULL
               AND (@status IS NULL OR a.status = @status)
               AND (@type IS NULL OR a.type = @type)
               AND (@capability IS NULL OR EXISTS (SELECT 1 FROM agent_capabilities c WHERE c.capability = @capability AND c.name_key = a.name_key))
             ORDER BY a.name_key
             """,
            ("@status", query.Status is { } status ? AgentChannelJson.WireName(status) : null),
            ("@type", query.Type), ("@capability", query.Capability));
        using var reader = command.ExecuteReader();
        var agents = new List<AgentListing>();
        while (reader.Read())
        {
            agents.Add(AgentListing.From(StoredDocuments.Read<AgentInfo>(reader.GetString(0)), reader.GetInt32(1)));
        }
        return agents;
    });

    public Task<IReadOnlyList<AgentListing>> Candidates(IReadOnlyList<string> capabilities, int maxActive, int? limit = null) =>
        database.Read<IReadOnlyList<AgentListing>>(connection =>
        {
            var required = string.Join(", ", capabilities.Select((_, i) => $"@cap{i}"));
            // Full agents are left out here, not after reading: on a busy queue every pass would otherwise read and
            // parse the document of every capable agent only to drop them all.
            using var command = connection.Command(
                $"""
                 SELECT document, active FROM (
                     SELECT a.document, a.name_key,
                            (SELECT COUNT(*) FROM tasks t WHERE t.assignee = a.name_key AND t.status IN ({TaskTransitions.HeldSqlList})) AS active
                     FROM agents a
                     WHERE a.status = '{AgentChannelJson.WireName(AgentStatus.Online)}' AND a.retired_at IS NULL
                       AND {(capabilities.Count == 0 ? "1" : $"(SELECT COUNT(*) FROM agent_capabilities c WHERE c.name_key = a.name_key AND c.capability IN ({required})) = {capabilities.Count}")})
                 WHERE active < @max_active
                 ORDER BY active, name_key
                 LIMIT @limit
                 """,
                [.. capabilities.Select((capability, i) => ($"@cap{i}", (object?)capability)), ("@max_active", maxActive), ("@limit", limit ?? -1)]);
            using var reader = command.ExecuteReader();
            var agents = new List<AgentListing>();
            while (reader.Read())
            {
                agents.Add(AgentListing.From(StoredDocuments.Read<AgentInfo>(reader.GetString(0)), reader.GetInt32(1)));
            }
            return agents;
        });

    public Task<IReadOnlyList<string>> Stale(DateTimeOffset seenBefore, int limit) => database.Read<IReadOnlyList<string>>(connection =>
    {
        // last_seen lives in the document only: the offline, unretired ones are read and the old ones kept.
        using var command = connection.Command(
            $"SELECT document FROM agents WHERE status = '{AgentChannelJson.WireName(AgentStatus.Offline)}' AND retired_at IS NULL ORDER BY name_key");
        using var reader = command.ExecuteReader();
        var stale = new List<string>();
        while (reader.Read() && stale.Count < limit)
        {
            var agent = StoredDocuments.Read<AgentInfo>(reader.GetString(0));
            if (agent.LastSeen < seenBefore)
            {
                stale.Add(agent.Name);
            }
        }
        return stale;
    });

    public Task<string?> FindNameById(Guid id) => database.Read(connection =>
    {
        using var command = connection.Command("SELECT name_key FROM agents WHERE id = @id", ("@id", id.ToString()));
        return command.ExecuteScalar() as string;
    });
}
