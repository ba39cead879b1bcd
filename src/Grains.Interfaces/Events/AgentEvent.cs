using Orleans.AgentChannel.Json;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// One event as agents receive it: the seed's event name, the per-agent inbox sequence when the event comes
/// from the durable inbox, and the payload as the same JSON the REST API returns.
/// </summary>
[GenerateSerializer, Immutable, Alias("agent-event")]
public sealed record AgentEvent(
    [property: Id(0)] string Event,
    [property: Id(1)] long? Seq,
    [property: Id(2)] RawJson Data,
    [property: Id(3)] EventAudience? Audience = null);

/// <summary>
/// Who may see an activity event that is not addressed to one agent: the subject (the agent who joined or
/// left, or the memory key) and, for memory, who may read it (null: everyone).
/// </summary>
[GenerateSerializer, Alias("event-audience")]
public sealed record EventAudience(
    [property: Id(0)] string Subject,
    [property: Id(1)] IReadOnlyList<string>? Readers = null);

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
    public const string MemoryUpdated = "memory:updated";
    public const string AgentJoined = "agent:joined";
    public const string AgentLeft = "agent:left";

    /// <summary>
    /// Activity stream only (the console): an agent's listing changed without crossing the offline boundary,
    /// e.g. online to busy, a re-registration, or a stored last_seen. Gateways do not forward it to agents.
    /// </summary>
    public const string AgentUpdated = "agent:updated";
}

/// <summary>Orleans stream ids: publish and subscribe with exactly these.</summary>
public static class AgentChannelStreams
{
    public const string ProviderName = "agentchannel";

    /// <summary>Everything posted in one channel.</summary>
    public static StreamId ForChannel(string channelKey) => StreamId.Create("channel", channelKey);

    /// <summary>Everything that happens, for the console and the gateways' presence and memory fan-out.</summary>
    public static StreamId Activity { get; } = StreamId.Create("activity", "all");
}

/// <summary>
/// The payload of <c>memory:updated</c>: the new version and who wrote it, with the value unless the key
/// was deleted (or expired) or the value is larger than the event limit (then <see cref="ValueOmitted"/>:
/// fetch it with memory:get).
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
    [property: Id(7)] bool Expired = false);
