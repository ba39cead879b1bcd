using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// A message as its sender writes it: to named agents, to a channel, to a capability (a role: one agent that has it,
/// or every agent that has it, as <see cref="Mode"/> says; resolved to named recipients when it is stored), or into a
/// task's thread (a task_id alone reaches the task's creator and assignee). The sender is the caller, never a field.
/// <see cref="Artifacts"/>: ids of artifacts the sender may read (docs/api.md, "Artifacts"); whoever may read the
/// message may then read them.
/// </summary>
/// <remarks>
/// The role fields are left out of the JSON when null, so the idempotency hash of a draft without them
/// (<c>KeyedWrite.Hash</c>) is what it was before they existed: a keyed send retried across an upgrade still matches.
/// </remarks>
[GenerateSerializer, Immutable, Alias("message-draft")]
public sealed record MessageDraft(
    [property: Id(0)] string Content,
    [property: Id(1)] IReadOnlyList<string>? Recipients = null,
    [property: Id(2)] string? Channel = null,
    [property: Id(3)] Guid? TaskId = null,
    [property: Id(4)] string? MessageType = null,
    [property: Id(5)] RawJson? Metadata = null,
    [property: Id(6), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ToCapability = null,
    [property: Id(7), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RoleMode? Mode = null,
    [property: Id(8), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Guid>? Artifacts = null);
