namespace Orleans.AgentChannel.Idempotency;

/// <summary>The kinds of entity a keyed create names by <see cref="IdempotencyKey.DerivedId"/>.</summary>
public static class KeyedIds
{
    public const string Task = "task";

    public const string Message = "message";
}
