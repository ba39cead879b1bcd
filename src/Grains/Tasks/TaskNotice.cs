using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>An inbox event a task change owes <see cref="Recipients"/>; <see cref="Key"/> makes its delivery idempotent.</summary>
[GenerateSerializer, Immutable, Alias("task-notice")]
public sealed record TaskNotice(
    [property: Id(0)] string Key,
    [property: Id(1)] string Event,
    [property: Id(2)] RawJson Data,
    [property: Id(3)] IReadOnlyList<string> Recipients);
