using System.Text.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// A frame as a client sends it: <c>{"event", "id", "data"}</c>. The id may be any JSON value; it is echoed. An optional
/// W3C <c>traceparent</c> makes the client's span the parent of the frame's (ignored unless tracing is on or if malformed).
/// </summary>
public sealed record ClientFrame(string? Event, JsonElement? Id, JsonElement? Data, string? Traceparent = null);
