namespace Orleans.AgentChannel.Channels;

/// <summary>Members only: the channel's message sequence lives in the message log, not in grain state.</summary>
[GenerateSerializer, Alias("channel-state")]
public sealed class ChannelState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public List<string> Members { get; set; } = [];
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Answers to keyed joins and leaves (idempotency keys), stored with the change each answers; bounded and pruned by age.</summary>
    [Id(3)] public List<Idempotency.IdempotencyRecord> Idempotency { get; set; } = [];
}
