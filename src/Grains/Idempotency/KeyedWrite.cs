using System.Security.Cryptography;
using System.Text.Json;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Idempotency;

/// <summary>A write that came with a key: the caller's (lower-cased) name, the key and the request's hash.</summary>
public sealed record KeyedWrite(string Caller, string Key, string RequestHash)
{
    /// <summary>
    /// The hash of a write as the owning grain received it: the operation and its arguments as canonical JSON (what the
    /// request means once parsed, so the same request over REST, WebSocket, MCP or the C# client hashes alike).
    /// </summary>
    public static string Hash(string operation, params object?[] arguments)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes<object?[]>([operation, .. arguments], AgentChannelJson.Options);
        return Convert.ToHexStringLower(SHA256.HashData(json));
    }

    public static KeyedWrite? Of(Caller caller, IdempotencyKey? key, string operation, params object?[] arguments) =>
        key is null ? null : new KeyedWrite(AgentNames.Key(caller.Name), key.Value, Hash(operation, arguments));
}
