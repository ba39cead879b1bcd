using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Memory;

/// <summary>
/// The answer to <see cref="IMemoryGrain.TrySet"/>: the write, or, when the key was not at the expected version, the
/// version it is at. The conflict is a value and not a thrown error because on a contended key most writes are
/// conflicts, and an exception rethrown by every layer of a grain call was a fifth of the CPU (docs/architecture.md).
/// </summary>
[GenerateSerializer, Alias("memory-set-result")]
public sealed record MemorySetResult(
    [property: Id(0)] MemoryWritten? Written,
    [property: Id(1)] MemoryVersionConflict? Conflict)
{
    /// <summary>The write; a conflict becomes the error every front door answers with (409 conflict with current_version).</summary>
    public MemoryWritten OrThrow() => Written ?? throw Conflict!.ToException();
}

/// <summary>A compare-and-set that found the key at another version; nothing changed.</summary>
[GenerateSerializer, Alias("memory-version-conflict")]
public sealed record MemoryVersionConflict(
    [property: Id(0)] string Key,
    [property: Id(1)] long Expected,
    [property: Id(2)] long Current)
{
    public AgentChannelException ToException() =>
        AgentChannelException.Conflict($"Memory key '{Key}' is at version {Current}, not {Expected}.", currentVersion: Current);
}

public static class MemorySetResults
{
    /// <inheritdoc cref="MemorySetResult.OrThrow"/>
    public static async Task<MemoryWritten> OrThrow(this Task<MemorySetResult> set) => (await set).OrThrow();
}
