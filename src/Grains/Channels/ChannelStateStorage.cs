using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Channels;

/// <summary>Grain storage for channels: a channel's state (its members) and its channels row in one transaction.</summary>
public sealed class ChannelStateStorage(
    IChannelIndex index,
    IGrainStates states,
    Serializer serializer,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : GrainStateStorage(states, serializer, storedBefore)
{
    public new const string Name = "agentchannel-channels";

    protected override Task<long> SaveWithRows(GrainId grainId, object state, GrainStateWrite write) => state switch
    {
        // The row's sequence is the message log's, never stored with the channel.
        ChannelState { Created: true } channel => index.Save(new ChannelInfo(KeyOf(grainId), [.. channel.Members], 0, channel.CreatedAt), write),
        ChannelState => States.Save(write),
        _ => throw Unsupported(state, typeof(ChannelState)),
    };
}
