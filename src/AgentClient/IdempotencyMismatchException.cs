using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// <c>idempotency_mismatch</c> (HTTP 422): the idempotency key was used before for another request. The client makes a
/// new key for every call, so this means a key reused by hand (REST, WebSocket) or a bug: nothing changed.
/// </summary>
public sealed class IdempotencyMismatchException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.IdempotencyMismatch, message, Idempotency.IdempotencyKey.Field, null, inner);
