using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

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
