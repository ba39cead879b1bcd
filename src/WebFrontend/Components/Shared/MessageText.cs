using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>How a message is summed up in lists.</summary>
public static class MessageText
{
    private const int PreviewChars = 400;

    /// <summary>"#research", "task 0197ab12", or the recipients.</summary>
    public static string Destination(MessageInfo message) => message switch
    {
        { Channel: { } channel } => $"#{channel}",
        { Recipients.Count: > 0 } => string.Join(", ", message.Recipients),
        { TaskId: { } taskId } => $"task {ShortId(taskId)}",
        _ => "nobody",
    };

    /// <summary>"any python" or "all python" for a message sent to a capability; null for any other.</summary>
    public static string? RoleAddress(MessageInfo message) => message.ToCapability is { } capability
        ? $"{Json.AgentChannelJson.WireName(message.Mode ?? RoleMode.Any)} {capability}"
        : null;

    public static string Preview(string content) => content.Length <= PreviewChars ? content : content[..PreviewChars] + "…";

    /// <summary>The last 8 hex digits: ids are time-ordered (v7), so the tail is the part that differs.</summary>
    public static string ShortId(Guid id) => id.ToString("N")[^8..];
}
