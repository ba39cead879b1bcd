using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Storage;

/// <summary>The task index SQL that reads the same on SQLite and PostgreSQL.</summary>
internal static class TaskIndexSql
{
    /// <summary>
    /// A task's grain state and its row with the report columns, in one statement, only over the version the
    /// writer read (a row written before the state moved here has none: version 0). closed_at, once set, is kept.
    /// No row changed means another write won.
    /// </summary>
    public const string Save =
        """
        INSERT INTO tasks (id, status, priority, creator, assignee, created_at, document,
                           capabilities, first_assigned_at, closed_at, assignments, state, state_version, owes_notices)
        VALUES (@id, @status, @priority, @creator, @assignee, @created_at, @document,
                @capabilities, @first_assigned_at, @closed_at, @assignments, @state, @expected_version + 1, @owes_notices)
        ON CONFLICT (id) DO UPDATE SET
            status = excluded.status, priority = excluded.priority, assignee = excluded.assignee,
            document = excluded.document, capabilities = excluded.capabilities,
            first_assigned_at = excluded.first_assigned_at, assignments = excluded.assignments,
            closed_at = COALESCE(tasks.closed_at, excluded.closed_at),
            state = excluded.state, state_version = excluded.state_version, owes_notices = excluded.owes_notices
        WHERE COALESCE(tasks.state_version, 0) = @expected_version
        """;

    /// <summary>
    /// The agents who may read the task's thread in history: its creator and everyone ever assigned it (keys). Stored
    /// with every write of the task (a row per agent, kept for good), so a former assignee keeps reading the thread.
    /// </summary>
    public static string[] Parties(TaskInfo row) =>
        [.. new[] { row.Creator }.Concat(row.Assignments.Select(assignment => assignment.Agent)).Select(AgentNames.Key).Distinct()];

    public const string OwingNotices = "SELECT id FROM tasks WHERE owes_notices = 1";

    public const string ReadState = "SELECT state, state_version FROM tasks WHERE id = @id AND state IS NOT NULL";

    public static Orleans.Storage.InconsistentStateException VersionConflict(Guid id, long expectedVersion) =>
        new($"Task {id} was written by someone else since version {expectedVersion} was read.", "unknown", expectedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
