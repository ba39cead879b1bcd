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

/// <summary>
/// What became of one draft of several sent together: the stored message (stored is what counts: it reaches its
/// inboxes even if delivering it failed at first), why it was refused, or <see cref="Failure"/> when the server
/// failed to store it (nothing stored; it may be sent again).
/// </summary>
[GenerateSerializer, Immutable, Alias("send-outcome")]
public sealed record SendOutcome(
    [property: Id(0)] MessageInfo? Message,
    [property: Id(1)] Errors.AgentChannelException? Error,
    [property: Id(2)] string? Failure = null);

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

/// <summary>Filters for message history. Newest first unless <see cref="Ascending"/>; paged by cursor.</summary>
[GenerateSerializer, Alias("message-query")]
public sealed record MessageQuery(
    [property: Id(0)] string? Sender = null,
    [property: Id(1)] string? Recipient = null,
    [property: Id(2)] string? Channel = null,
    [property: Id(3)] Guid? TaskId = null,
    [property: Id(4)] DateTimeOffset? Since = null,
    [property: Id(5)] DateTimeOffset? Before = null,
    [property: Id(6)] int Limit = 50,
    [property: Id(7)] string? Cursor = null,
    [property: Id(8)] bool Ascending = false);

[GenerateSerializer, Alias("message-page")]
public sealed record MessagePage(
    [property: Id(0)] IReadOnlyList<MessageInfo> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>
/// A message found by full-text search: <see cref="Rank"/> orders the hits of one answer (higher is more relevant;
/// not comparable between answers or engines); <see cref="Snippet"/> is a short excerpt of the content around the
/// first match, each matched word between <c>**</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("message-hit")]
public sealed record MessageHit(
    [property: Id(0)] MessageInfo Message,
    [property: Id(1)] double Rank,
    [property: Id(2)] string Snippet);

/// <summary>A page of search hits, most relevant first; <see cref="NextCursor"/> continues it.</summary>
[GenerateSerializer, Immutable, Alias("message-search-page")]
public sealed record MessageSearchPage(
    [property: Id(0)] IReadOnlyList<MessageHit> Items,
    [property: Id(1)] string? NextCursor);

public static class MessageTypes
{
    public const string Default = "text";
}
