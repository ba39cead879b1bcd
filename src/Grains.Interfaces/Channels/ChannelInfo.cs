namespace Orleans.AgentChannel.Channels;

[GenerateSerializer, Alias("channel-info")]
public sealed record ChannelInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] IReadOnlyList<string> Members,
    [property: Id(2)] long MessageSequence,
    [property: Id(3)] DateTimeOffset CreatedAt);
