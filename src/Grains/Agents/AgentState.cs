using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Agents;

[GenerateSerializer, Alias("agent-state")]
public sealed class AgentState
{
    [Id(0)] public Guid Id { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Type { get; set; } = "";
    [Id(3)] public List<string> Capabilities { get; set; } = [];
    [Id(4)] public RawJson Metadata { get; set; } = RawJson.EmptyObject;
    [Id(5)] public AgentStatus Status { get; set; } = AgentStatus.Offline;
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset LastSeen { get; set; }
    [Id(8)] public byte[]? TokenHash { get; set; }

    /// <summary>The last inbox sequence the agent acknowledged (the inbox's own last sequence lives in the inbox table).</summary>
    [Id(9)] public long AckedSeq { get; set; }

    /// <summary>The operator revoked the token: no token opens the agent until the operator registers it again.</summary>
    [Id(10)] public bool TokenRevoked { get; set; }

    /// <summary>Set when the agent was retired: gone from listings and assignment, its name held for the operator.</summary>
    [Id(11)] public DateTimeOffset? RetiredAt { get; set; }

    public bool IsRegistered => TokenHash is not null;

    /// <summary>Registered and not retired: what everyone else may see, send to and assign to.</summary>
    public bool IsActive => IsRegistered && RetiredAt is null;

    public AgentInfo ToInfo() => new(Id, Name, Type, Status, [.. Capabilities], Metadata, CreatedAt, LastSeen);
}
