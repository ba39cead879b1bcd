namespace Orleans.AgentChannel.Idempotency;

/// <summary>
/// One keyed write remembered by the entity it changed: who sent it, its key, the hash of what it asked, and the answer
/// it got. Kept in that entity's grain state, so it is stored by the same write as the change it answers.
/// </summary>
[GenerateSerializer, Alias("idempotency-record")]
public sealed record IdempotencyRecord(
    [property: Id(0)] string Caller,
    [property: Id(1)] string Key,
    [property: Id(2)] string RequestHash,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] object? Answer);
