using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// One event as agents receive it: its event name (docs/api.md), the per-agent inbox sequence when the event comes
/// from the durable inbox, and the payload as the same JSON the REST API returns. A live push carries the W3C
/// <c>traceparent</c> of the span that delivered it when tracing is on, so the receiver's send joins the sender's
/// trace (<see cref="AgentChannelTracing"/>); the inbox does not store it.
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-event")]
public sealed record AgentEvent(
    [property: Id(0)] string Event,
    [property: Id(1)] long? Seq,
    [property: Id(2)] RawJson Data,
    [property: Id(3)] EventAudience? Audience = null,
    [property: Id(4)] string? TraceParent = null);

/// <summary>
/// What a live event is about: the agent who joined or left, or the memory key. The agent's grain routes live
/// events to its connections by it; it is taken off before an event leaves the cluster.
/// </summary>
[GenerateSerializer, Alias("event-audience")]
public sealed record EventAudience(
    [property: Id(0)] string Subject);

/// <summary>The seed's event names.</summary>
public static class EventNames
{
    public const string MessageReceived = "message:received";
    public const string TaskAssigned = "task:assigned";
    public const string TaskUpdated = "task:updated";

    /// <summary>
    /// To an agent whose assignment someone else ended (lease expired, taken back, reassigned, cancelled, closed by the
    /// operator): its calls naming that assignment are refused with lease_lost from now on. Data: <c>TaskLeaseLost</c>.
    /// </summary>
    public const string TaskLeaseLost = "task:lease_lost";

    /// <summary>To the task's creator: its assignee asked a question (<c>input_request.question</c>). Data: <c>TaskInfo</c>.</summary>
    public const string TaskInputRequired = "task:input_required";

    /// <summary>To the assignee: the creator or the operator answered (<c>input_request.answer</c>); the task is in_progress again. Data: <c>TaskInfo</c>.</summary>
    public const string TaskInputProvided = "task:input_provided";

    /// <summary>To the task's creator: the assignee completed a task that requires approval. Data: <c>TaskInfo</c>.</summary>
    public const string TaskAwaitingApproval = "task:awaiting_approval";

    /// <summary>To the assignee: the creator or the operator approved; the task is completed. Data: <c>TaskInfo</c>.</summary>
    public const string TaskApproved = "task:approved";

    /// <summary>To the assignee: the creator or the operator sent the task back (<c>review.comment</c>); it is in_progress again. Data: <c>TaskInfo</c>.</summary>
    public const string TaskSentBack = "task:sent_back";
    public const string MemoryUpdated = "memory:updated";
    public const string AgentJoined = "agent:joined";
    public const string AgentLeft = "agent:left";

    /// <summary>
    /// Activity stream only (the console): an agent's listing changed without crossing the offline boundary,
    /// e.g. online to busy, a re-registration, or a stored last_seen. Gateways do not forward it to agents.
    /// </summary>
    public const string AgentUpdated = "agent:updated";

    /// <summary>Activity stream only (console, sinks, webhooks): the agent was retired and leaves the listing. Data: <c>AgentInfo</c>.</summary>
    public const string AgentRetired = "agent:retired";

    /// <summary>
    /// To a live connection (WebSocket, SSE) whose token stopped: rotated, revoked by the operator, or the agent retired.
    /// Sent just before the server closes it; data <c>{"code", "reason"}</c>, code <c>token_rotated</c>,
    /// <c>token_revoked</c> or <c>agent_retired</c>. Not stored in the inbox.
    /// </summary>
    public const string SessionRevoked = "session:revoked";
}

/// <summary>The codes of <see cref="EventNames.SessionRevoked"/>: why a connection's token stopped.</summary>
public static class SessionEndings
{
    public const string Rotated = "token_rotated";
    public const string Revoked = "token_revoked";
    public const string Retired = "agent_retired";
}

/// <summary>Orleans stream ids: publish and subscribe with exactly these.</summary>
public static class AgentChannelStreams
{
    public const string ProviderName = "agentchannel";

    /// <summary>
    /// How many streams carry the activity: each entity's events go on one of them (so they stay in order), and
    /// no single stream queue carries the whole cluster.
    /// </summary>
    public const int ActivityShards = 8;

    /// <summary>
    /// Everything that happens, for the operator's side only (console, metrics, event sinks and webhooks):
    /// agents get their events from the owning grain, never from these streams.
    /// </summary>
    public static IReadOnlyList<StreamId> Activity { get; } =
        [.. Enumerable.Range(0, ActivityShards).Select(shard => StreamId.Create("activity", shard.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>The activity stream of one entity (agent, task, channel, memory key, message sender).</summary>
    public static StreamId ActivityOf(string entityKey) => Activity[(int)(StableHash(entityKey) % ActivityShards)];

    /// <summary>FNV-1a over the UTF-16 code units: the same in every process (string.GetHashCode is not).</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var unit in text)
        {
            hash = (hash ^ unit) * 16777619u;
        }
        return hash;
    }
}

/// <summary>
/// The payload of <c>memory:updated</c>: the new version and who wrote it, with the value unless the key
/// was deleted (or expired) or the value is larger than the event limit (then <see cref="ValueOmitted"/>:
/// fetch it with memory:get). <see cref="Snapshot"/>: not a change as it happened but the key as it stands,
/// sent when a watch starts with a snapshot or live events may have been missed (versions in between are skipped).
/// </summary>
[GenerateSerializer, Alias("memory-updated")]
public sealed record MemoryUpdated(
    [property: Id(0)] string Key,
    [property: Id(1)] long Version,
    [property: Id(2)] string UpdatedBy,
    [property: Id(3)] DateTimeOffset UpdatedAt,
    [property: Id(4)] Json.RawJson? Value,
    [property: Id(5)] bool Deleted,
    [property: Id(6)] bool ValueOmitted = false,
    [property: Id(7)] bool Expired = false,
    [property: Id(8)] bool Snapshot = false);
