using System.Data.Common;

namespace Orleans.AgentChannel.Stats;

/// <summary>The reports' statements that read the same on SQLite and PostgreSQL (parameters: @hour, @agent, @sent, @received, @memory_writes).</summary>
internal static class StatsSql
{
    public const string TaskColumns = "row_id, status, creator, assignee, capabilities, created_at, first_assigned_at, closed_at, assignments";

    /// <summary>Adds to an agent's counters for one hour, creating the row on its first event.</summary>
    public const string CountActivity =
        """
        INSERT INTO agent_activity_hours (hour, agent_key, messages_sent, messages_received, memory_writes)
        VALUES (@hour, @agent, @sent, @received, @memory_writes)
        ON CONFLICT (hour, agent_key) DO UPDATE SET
            messages_sent = agent_activity_hours.messages_sent + excluded.messages_sent,
            messages_received = agent_activity_hours.messages_received + excluded.messages_received,
            memory_writes = agent_activity_hours.memory_writes + excluded.memory_writes
        """;

    /// <summary>A row selected as <see cref="TaskColumns"/>.</summary>
    public static StatsTaskRow TaskRow(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7),
        reader.GetInt32(8));

    /// <summary>A row selected as hour, agent_key, messages_sent, messages_received, memory_writes.</summary>
    public static StatsActivityRow ActivityRow(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
}
