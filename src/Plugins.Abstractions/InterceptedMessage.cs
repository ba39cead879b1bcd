using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// A message about to be stored. Only <see cref="Content"/> and <see cref="Metadata"/> can be changed (return
/// the message <c>with</c> new values); who sent it and where it goes are not an interceptor's to change.
/// </summary>
/// <param name="Metadata">A copy the interceptor owns: change it in place or build a new one.</param>
public sealed record InterceptedMessage(
    string Sender,
    IReadOnlyList<string> Recipients,
    string? Channel,
    Guid? TaskId,
    string MessageType,
    string Content,
    JsonObject Metadata);
