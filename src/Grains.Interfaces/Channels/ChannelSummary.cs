namespace Orleans.AgentChannel.Channels;

[GenerateSerializer, Alias("channel-summary")]
public sealed record ChannelSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] int MemberCount,
    [property: Id(2)] long MessageSequence,
    [property: Id(3)] DateTimeOffset CreatedAt);
