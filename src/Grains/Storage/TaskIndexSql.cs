namespace Orleans.AgentChannel.Storage;

/// <summary>The task index SQL that reads the same on SQLite and PostgreSQL.</summary>
internal static class TaskIndexSql
{
    /// <summary>A task's row with its report columns; closed_at, once set, is kept.</summary>
    public const string Upsert =
        """
        INSERT INTO tasks (id, status, priority, creator, assignee, created_at, document,
                           capabilities, first_assigned_at, closed_at, assignments)
        VALUES (@id, @status, @priority, @creator, @assignee, @created_at, @document,
                @capabilities, @first_assigned_at, @closed_at, @assignments)
        ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, priority = excluded.priority, assignee = excluded.assignee,
            document = excluded.document, capabilities = excluded.capabilities,
            first_assigned_at = excluded.first_assigned_at, assignments = excluded.assignments,
            closed_at = COALESCE(tasks.closed_at, excluded.closed_at)
        """;
}
