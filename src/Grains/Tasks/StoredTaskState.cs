namespace Orleans.AgentChannel.Tasks;

/// <summary>A task grain's serialized state as stored in its row, with the version writes are checked against.</summary>
public sealed record StoredTaskState(byte[] State, long Version);
