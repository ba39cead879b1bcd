using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record JsonRpcResponse(
    [property: JsonPropertyName("jsonrpc")] string JsonRpc,
    JsonElement? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Result = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonRpcError? Error = null)
{
    public static JsonRpcResponse Success(JsonElement? id, object result) => new("2.0", id, Result: result);

    public static JsonRpcResponse Failure(JsonElement? id, JsonRpcError error) => new("2.0", id, Error: error);
}
