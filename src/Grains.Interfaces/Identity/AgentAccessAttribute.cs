namespace Orleans.AgentChannel.Identity;

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
