using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Channels;

[Alias("agentchannel.channel-directory")]
public interface IChannelDirectoryGrain : IGrainWithIntegerKey
{
    [AgentAccess(AgentAccess.AnyAgent)]
    [Alias("list"), RetrySafe]
    Task<IReadOnlyList<ChannelSummary>> List();
}
