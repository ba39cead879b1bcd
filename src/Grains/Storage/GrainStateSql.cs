using System.Globalization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// The grain_states table: the serialized state of agent, channel, memory, webhook and memory-watch grains, each
/// saved in the same transaction as the rows that state implies (<see cref="GrainStateStorage"/>). Task state lives
/// in its task's row instead (<see cref="Tasks.TaskStateStorage"/>).
/// </summary>
public interface IGrainStates
{
    /// <summary>The stored state and its version, or null when nothing of this grain is stored here (yet).</summary>
    Task<StoredGrainState?> Read(string type, string key);

    /// <summary>Saves a state that implies no rows; returns the new version (see <see cref="GrainStateWrite"/>).</summary>
    Task<long> Save(GrainStateWrite write);
}

/// <summary>A grain's serialized state as stored, with its version. A null state is a cleared grain (its version stays).</summary>
public sealed record StoredGrainState(byte[]? State, long Version);

/// <summary>
/// One grain-state write, stored only if the stored version is still <see cref="ExpectedVersion"/> (0: none stored here
/// yet); a null <see cref="State"/> clears the grain but keeps its version. Whoever writes it throws
/// <see cref="InconsistentStateException"/> when another write got there first, so the rows written with it go too.
/// </summary>
public sealed record GrainStateWrite(string Type, string Key, byte[]? State, long ExpectedVersion)
{
    public long NewVersion => ExpectedVersion + 1;
}

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
