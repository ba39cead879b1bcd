using System.Globalization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Storage;

/// <summary>The grain_states SQL that reads the same on SQLite and PostgreSQL.</summary>
internal static class GrainStateSql
{
    /// <summary>Inserts or replaces the state only over the version the writer read: no row changed means another write won.</summary>
    public const string Save =
        """
        INSERT INTO grain_states (grain_type, grain_key, version, state)
        VALUES (@grain_type, @grain_key, @expected_version + 1, @state)
        ON CONFLICT (grain_type, grain_key) DO UPDATE SET version = excluded.version, state = excluded.state
        WHERE grain_states.version = @expected_version
        """;

    public const string Read = "SELECT state, version FROM grain_states WHERE grain_type = @grain_type AND grain_key = @grain_key";

    public static InconsistentStateException VersionConflict(GrainStateWrite write) =>
        new($"The {write.Type} state of '{write.Key}' was written by someone else since version {write.ExpectedVersion} was read.",
            "unknown", write.ExpectedVersion.ToString(CultureInfo.InvariantCulture));
}
