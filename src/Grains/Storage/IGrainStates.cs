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
