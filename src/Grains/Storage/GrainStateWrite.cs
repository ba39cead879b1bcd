using Orleans.Storage;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// One grain-state write, stored only if the stored version is still <see cref="ExpectedVersion"/> (0: none stored here
/// yet); a null <see cref="State"/> clears the grain but keeps its version. Whoever writes it throws
/// <see cref="InconsistentStateException"/> when another write got there first, so the rows written with it go too.
/// </summary>
public sealed record GrainStateWrite(string Type, string Key, byte[]? State, long ExpectedVersion)
{
    public long NewVersion => ExpectedVersion + 1;
}
