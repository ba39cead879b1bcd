namespace Orleans.AgentChannel.Client;

/// <summary>
/// A write the client could not get an answer to: every attempt (<see cref="Attempts"/>, all with the same
/// <see cref="IdempotencyKey"/>) met a lost connection, an unavailable silo or a timeout. The write may have been stored
/// by one of them, and at most once: read it back (a task's or message's id is
/// <see cref="Idempotency.IdempotencyKey.DerivedId"/> of this key) before deciding to do it again.
/// </summary>
public sealed class WriteNotConfirmedException(string operation, string idempotencyKey, int attempts, Exception inner)
    : Exception($"{operation} got no answer after {attempts} attempts with idempotency key '{idempotencyKey}' " +
                $"(last: {inner.GetType().Name}: {inner.Message}). It may have been stored once; read it back before doing it again.", inner)
{
    public string Operation { get; } = operation;

    public string IdempotencyKey { get; } = idempotencyKey;

    public int Attempts { get; } = attempts;
}
