namespace Orleans.AgentChannel.Agents;

/// <summary>
/// The outcome of a registration. <see cref="Token"/> is set only when the agent was created: the secret is
/// shown once and only its hash is stored.
/// </summary>
[GenerateSerializer, Alias("agent-registered")]
public sealed record AgentRegistered(
    [property: Id(0)] AgentInfo Agent,
    [property: Id(1)] string? Token,
    [property: Id(2)] bool Created);
