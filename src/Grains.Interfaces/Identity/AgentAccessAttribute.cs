namespace Orleans.AgentChannel.Identity;

/// <summary>Which cluster clients holding an agent's token (not the operator's) may call a grain method.</summary>
public enum AgentAccess
{
    /// <summary>Any client, with no token at all: registering a name, checking a token.</summary>
    Anonymous,

    /// <summary>Any agent: reads every agent may make over REST too.</summary>
    AnyAgent,

    /// <summary>Only the agent whose grain this is (the grain key is the agent's): its inbox and its connections.</summary>
    OwnGrain,
}

/// <summary>
/// Opens a grain method without a <see cref="Caller"/> parameter to cluster clients holding an agent token.
/// A method with a <see cref="Caller"/> parameter is open to agents as themselves (the silo checks that every
/// <see cref="Caller"/> argument is the agent its token names); any other method is for the silos and the
/// operator's token only.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AgentAccessAttribute(AgentAccess access) : Attribute
{
    public AgentAccess Access { get; } = access;
}
