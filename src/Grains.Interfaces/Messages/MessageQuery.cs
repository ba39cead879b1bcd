namespace Orleans.AgentChannel.Messages;

/// <summary>Filters for message history. Newest first unless <see cref="Ascending"/>; paged by cursor.</summary>
[GenerateSerializer, Alias("message-query")]
public sealed record MessageQuery(
    [property: Id(0)] string? Sender = null,
    [property: Id(1)] string? Recipient = null,
    [property: Id(2)] string? Channel = null,
    [property: Id(3)] Guid? TaskId = null,
    [property: Id(4)] DateTimeOffset? Since = null,
    [property: Id(5)] DateTimeOffset? Before = null,
    [property: Id(6)] int Limit = 50,
    [property: Id(7)] string? Cursor = null,
    [property: Id(8)] bool Ascending = false);
