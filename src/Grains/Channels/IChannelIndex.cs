namespace Orleans.AgentChannel.Channels;

public interface IChannelIndex
{
    Task Upsert(ChannelInfo channel);

    Task<IReadOnlyList<ChannelSummary>> List();
}
