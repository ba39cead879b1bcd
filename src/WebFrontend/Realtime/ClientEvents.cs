using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// A frame as a client sends it: <c>{"event", "id", "data"}</c>. The id may be any JSON value; it is echoed. An optional
/// W3C <c>traceparent</c> makes the client's span the parent of the frame's (ignored unless tracing is on or if malformed).
/// </summary>
public sealed record ClientFrame(string? Event, JsonElement? Id, JsonElement? Data, string? Traceparent = null);

/// <summary>
/// A frame the server sends: a reply (<c>ack</c>/<c>error</c>, carrying the request's id) or a push
/// (carrying <c>seq</c> when it comes from the agent's inbox).
/// </summary>
public sealed record ServerFrame(
    string Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Seq,
    RawJson Data)
{
    public const string Ack = "ack";
    public const string Error = "error";

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, AgentChannelJson.Options);
}

/// <summary>The payload of an <c>error</c> frame; the same codes as the REST API's problem details.</summary>
public sealed record WireError(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CurrentVersion = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs = null)
{
    /// <summary>
    /// What a client is told about a refused request: the code, and the field, current version or (for
    /// <c>unavailable</c>) how long to wait before retrying, where they apply.
    /// </summary>
    public static WireError From(AgentChannelException error) =>
        new(error.Code.ToWire(), error.Message, error.Field, error.CurrentVersion,
            error.Code == ErrorKind.Unavailable ? (long)AgentChannelException.RetryAfter.TotalMilliseconds : null);

    /// <summary>A failure of ours, not of the request: no details leak, and the client may retry.</summary>
    public static WireError Internal { get; } = new("internal", "The request failed on the server; it may be retried.");
}

/// <summary>Client event names beyond the server's pushes (docs/api.md §5).</summary>
public static class ClientEvents
{
    public const string Register = "agent:register";
    public const string Heartbeat = "agent:heartbeat";
    public const string RotateToken = "agent:rotate_token";
    public const string MessageSend = "message:send";
    public const string TaskCreate = "task:create";
    public const string TaskAssign = "task:assign";
    public const string TaskUpdate = "task:update";
    public const string TaskComplete = "task:complete";
    public const string TaskClaim = "task:claim";
    public const string TaskRequestInput = "task:request_input";
    public const string TaskProvideInput = "task:provide_input";
    public const string TaskApprove = "task:approve";
    public const string TaskSendBack = "task:send_back";
    public const string MemorySet = "memory:set";
    public const string MemoryGet = "memory:get";
    public const string MemoryDelete = "memory:delete";
    public const string MemoryWatch = "memory:watch";
    public const string MemoryUnwatch = "memory:unwatch";
    public const string InboxAck = "inbox:ack";
    public const string ChannelJoin = "channel:join";
    public const string ChannelLeave = "channel:leave";
}
