namespace Orleans.AgentChannel.Identity;

/// <summary>
/// Who is acting. Front doors build it from a verified bearer token, never from a request body;
/// grains decide what the caller may do.
/// </summary>
[GenerateSerializer, Immutable, Alias("caller")]
public sealed record Caller([property: Id(0)] string Name, [property: Id(1)] bool IsOperator)
{
    /// <summary>The name the operator acts under; no agent may register it.</summary>
    public const string OperatorName = "operator";

    public static Caller Operator { get; } = new(OperatorName, true);

    public static Caller Agent(string name) => new(name, false);

    /// <summary>True when this caller is the named agent (names compare case-insensitively).</summary>
    public bool Is(string agentName) => !IsOperator && AgentNames.Equal(Name, agentName);
}
