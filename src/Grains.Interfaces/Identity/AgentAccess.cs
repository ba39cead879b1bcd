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
