namespace Orleans.AgentChannel.Messages;

/// <summary>
/// How a message addressed to a capability (<see cref="MessageDraft.ToCapability"/>) finds its recipients: one online
/// agent with it, least loaded (<see cref="Any"/>), or every agent with it, online or not (<see cref="All"/>).
/// </summary>
[GenerateSerializer, Alias("role-mode")]
public enum RoleMode
{
    Any,
    All,
}
