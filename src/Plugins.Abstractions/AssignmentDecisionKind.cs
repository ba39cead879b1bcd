namespace Orleans.AgentChannel.Plugins;

public enum AssignmentDecisionKind
{
    Defer,
    Wait,
    Offer,
}
