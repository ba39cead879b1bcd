namespace Orleans.AgentChannel.Health;

/// <summary>The silo that answered a readiness probe, and how long its storage took.</summary>
[GenerateSerializer, Immutable, Alias("agentchannel.silo-readiness")]
public sealed record SiloReadiness([property: Id(0)] string Silo, [property: Id(1)] TimeSpan StorageAnswered);
