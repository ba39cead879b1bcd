using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Agents;

/// <summary>What an agent says about itself when it registers (or re-registers with its token).</summary>
[GenerateSerializer, Alias("agent-registration")]
public sealed record AgentRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] string Type,
    [property: Id(2)] IReadOnlyList<string>? Capabilities,
    [property: Id(3)] RawJson? Metadata);
