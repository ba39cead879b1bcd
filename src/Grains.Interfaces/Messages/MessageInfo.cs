using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// A stored message. <see cref="Sequence"/> is its position in the append-only log. A message sent to a capability
/// keeps its address (<see cref="ToCapability"/>, <see cref="Mode"/>) next to the <see cref="Recipients"/> it was
/// resolved to when it was sent; both are null for any other message.
/// </summary>
[GenerateSerializer, Immutable, Alias("message-info")]
public sealed record MessageInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Sender,
    [property: Id(3)] IReadOnlyList<string> Recipients,
    [property: Id(4)] string? Channel,
    [property: Id(5)] Guid? TaskId,
    [property: Id(6)] string Content,
    [property: Id(7)] string MessageType,
    [property: Id(8)] RawJson Metadata,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] string? ToCapability = null,
    [property: Id(11)] RoleMode? Mode = null,
    [property: Id(12), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Guid>? Artifacts = null);
