using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>What to tell the operator when a grain refuses an action.</summary>
public static class Problems
{
    public static string Describe(Exception exception) => exception switch
    {
        AgentChannelException error => $"{error.Code.ToWire()}: {error.Message}",
        _ => $"The server could not do this: {exception.Message}",
    };
}
