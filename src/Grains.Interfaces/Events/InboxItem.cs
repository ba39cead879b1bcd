namespace Orleans.AgentChannel.Events;

/// <summary>
/// Something to put in an agent's inbox. A message is stored once in the log, so its inbox entry only
/// points at <see cref="MessageLogSequence"/>; other events keep their payload. An item with a
/// <see cref="DeliveryKey"/> is stored once per inbox however often it is delivered (a retried delivery).
/// </summary>
[GenerateSerializer, Immutable, Alias("inbox-item")]
public sealed record InboxItem(
    [property: Id(0)] string Event,
    [property: Id(1)] Json.RawJson Data,
    [property: Id(2)] long? MessageLogSequence = null,
    [property: Id(3)] string? DeliveryKey = null);
