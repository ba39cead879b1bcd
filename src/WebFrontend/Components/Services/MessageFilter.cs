using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>The server-side message filters (the text filter applies to what is loaded).</summary>
public sealed record MessageFilter(string? Agent = null, string? Channel = null, Guid? TaskId = null)
{
    /// <summary>Whether a live message belongs in a list loaded with this filter.</summary>
    public bool Matches(MessageInfo message) =>
        (Agent is null || AgentNames.Equal(message.Sender, Agent) || message.Recipients.Any(recipient => AgentNames.Equal(recipient, Agent)))
        && (Channel is null || string.Equals(message.Channel, AgentNames.Key(Channel), StringComparison.Ordinal))
        && (TaskId is null || message.TaskId == TaskId);
}
