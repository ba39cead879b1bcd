namespace Orleans.AgentChannel.Storage;

/// <summary>A grain's serialized state as stored, with its version. A null state is a cleared grain (its version stays).</summary>
public sealed record StoredGrainState(byte[]? State, long Version);
