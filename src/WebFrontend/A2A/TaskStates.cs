using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.WebFrontend.A2A;

// The A2A v1.0 data model in its JSON form (ProtoJSON: camelCase, enums as their proto names), only the parts this
// server reads or writes. Field names follow specification/a2a.proto of a2aproject/A2A.

public sealed record AgentCard(
    string Name,
    string Description,
    IReadOnlyList<AgentInterface> SupportedInterfaces,
    string Version,
    string DocumentationUrl,
    AgentCapabilities Capabilities,
    IReadOnlyDictionary<string, SecurityScheme> SecuritySchemes,
    IReadOnlyList<SecurityRequirement> SecurityRequirements,
    IReadOnlyList<string> DefaultInputModes,
    IReadOnlyList<string> DefaultOutputModes,
    IReadOnlyList<AgentSkill> Skills);

public sealed record AgentInterface(string Url, string ProtocolBinding, string ProtocolVersion);

public sealed record AgentCapabilities(bool Streaming, bool PushNotifications, bool ExtendedAgentCard);

public sealed record AgentSkill(string Id, string Name, string Description, IReadOnlyList<string> Tags, IReadOnlyList<string> Examples);

public sealed record SecurityScheme(HttpAuthSecurityScheme HttpAuthSecurityScheme);

public sealed record HttpAuthSecurityScheme(string Scheme, string BearerFormat, string Description);

public sealed record SecurityRequirement(IReadOnlyDictionary<string, StringList> Schemes);

public sealed record StringList(IReadOnlyList<string> List);

/// <summary>One turn of the conversation. Parts other than text (data, files) are kept as JSON.</summary>
public sealed record A2AMessage(
    string? MessageId,
    string? Role,
    IReadOnlyList<Part>? Parts,
    string? ContextId = null,
    string? TaskId = null,
    JsonElement? Metadata = null);

/// <summary>A part holds one of text, data (any JSON), url or raw (bytes, base64).</summary>
public sealed record Part(
    string? Text = null,
    JsonElement? Data = null,
    string? Url = null,
    string? Raw = null,
    string? MediaType = null,
    string? Filename = null);

public sealed record A2ATask(
    string Id,
    string ContextId,
    A2ATaskStatus Status,
    IReadOnlyList<Artifact> Artifacts,
    IReadOnlyList<A2AMessage> History,
    JsonElement? Metadata);

public sealed record A2ATaskStatus(string State, string Timestamp, A2AMessage? Message = null);

public sealed record Artifact(string ArtifactId, string Name, IReadOnlyList<Part> Parts);

public sealed record TaskStatusUpdateEvent(string TaskId, string ContextId, A2ATaskStatus Status);

public sealed record TaskArtifactUpdateEvent(string TaskId, string ContextId, Artifact Artifact, bool Append, bool LastChunk);

/// <summary>What SendMessage answers and each event of a stream is: exactly one of its fields is set.</summary>
public sealed record StreamResponse(
    A2ATask? Task = null,
    TaskStatusUpdateEvent? StatusUpdate = null,
    TaskArtifactUpdateEvent? ArtifactUpdate = null);

public sealed record SendMessageRequest(A2AMessage? Message, SendMessageConfiguration? Configuration = null, JsonElement? Metadata = null);

/// <summary>Unset <see cref="ReturnImmediately"/> means blocking: answer once the task reached a terminal state.</summary>
public sealed record SendMessageConfiguration(bool? ReturnImmediately = null);

/// <summary>The params of GetTask, CancelTask and SubscribeToTask.</summary>
public sealed record TaskIdRequest(string? Id);

/// <summary>A2A's task states (TaskState in the proto).</summary>
public static class TaskStates
{
    public const string Submitted = "TASK_STATE_SUBMITTED";
    public const string Working = "TASK_STATE_WORKING";
    public const string Completed = "TASK_STATE_COMPLETED";
    public const string Failed = "TASK_STATE_FAILED";
    public const string Canceled = "TASK_STATE_CANCELED";
    public const string InputRequired = "TASK_STATE_INPUT_REQUIRED";
    public const string Rejected = "TASK_STATE_REJECTED";

    /// <summary>After these a task takes no more messages and its streams close.</summary>
    public static bool IsTerminal(string state) => state is Completed or Failed or Canceled or Rejected;

    /// <summary>A blocking send returns at these too: the task waits for the requester (A2A's interrupted states).</summary>
    public static bool IsInterrupted(string state) => state is InputRequired;
}

public static class Roles
{
    public const string User = "ROLE_USER";
    public const string Agent = "ROLE_AGENT";
}

/// <summary>A2A's JSON-RPC method names (v1.0; v0.3's message/send etc. are not served).</summary>
public static class A2AMethods
{
    public const string SendMessage = "SendMessage";
    public const string SendStreamingMessage = "SendStreamingMessage";
    public const string GetTask = "GetTask";
    public const string CancelTask = "CancelTask";
    public const string SubscribeToTask = "SubscribeToTask";
}

public sealed record JsonRpcResponse(
    [property: JsonPropertyName("jsonrpc")] string JsonRpc,
    JsonElement? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Result = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonRpcError? Error = null)
{
    public static JsonRpcResponse Success(JsonElement? id, object result) => new("2.0", id, Result: result);

    public static JsonRpcResponse Failure(JsonElement? id, JsonRpcError error) => new("2.0", id, Error: error);
}

/// <summary>A JSON-RPC error; <see cref="Data"/> carries the channel's own error object (code, message, field).</summary>
public sealed record JsonRpcError(
    int Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Data = null);

/// <summary>The JSON-RPC and A2A error codes this server answers with.</summary>
public static class JsonRpcCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int TaskNotFound = -32001;
    public const int TaskNotCancelable = -32002;
    public const int UnsupportedOperation = -32004;
    public const int VersionNotSupported = -32009;
}
