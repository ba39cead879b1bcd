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
}
