namespace Orleans.AgentChannel.Channels;

[Orleans.Concurrency.StatelessWorker]
public sealed class ChannelDirectoryGrain(IChannelIndex index) : Grain, IChannelDirectoryGrain
{
    public Task<IReadOnlyList<ChannelSummary>> List() => index.List();
}
