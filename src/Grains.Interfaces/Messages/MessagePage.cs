namespace Orleans.AgentChannel.Messages;

[GenerateSerializer, Alias("message-page")]
public sealed record MessagePage(
    [property: Id(0)] IReadOnlyList<MessageInfo> Items,
    [property: Id(1)] string? NextCursor);
