namespace Orleans.AgentChannel.Memory;

/// <summary>
/// The answer to <see cref="IMemoryGrain.TrySet"/>: the write, or, when the key was not at the expected version, the
/// version it is at. The conflict is a value and not a thrown error because on a contended key most writes are
/// conflicts, and an exception rethrown by every layer of a grain call was a sixth of the server's CPU
/// (docs/architecture.md).
/// </summary>
[GenerateSerializer, Alias("memory-set-result")]
public sealed record MemorySetResult(
    [property: Id(0)] MemoryWritten? Written,
    [property: Id(1)] MemoryVersionConflict? Conflict)
{
    /// <summary>The write; a conflict becomes the error every front door answers with (409 conflict with current_version).</summary>
    public MemoryWritten OrThrow() => Written ?? throw Conflict!.ToException();
}

public static class MemorySetResults
{
    /// <inheritdoc cref="MemorySetResult.OrThrow"/>
    public static async Task<MemoryWritten> OrThrow(this Task<MemorySetResult> set) => (await set).OrThrow();
}
