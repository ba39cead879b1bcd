namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

public enum DiffChange
{
    Same,
    Added,
    Removed,
}
