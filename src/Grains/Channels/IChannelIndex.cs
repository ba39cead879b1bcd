using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Channels;

/// <summary>The channels query table: written by each channel grain with its state (<see cref="ChannelStateStorage"/>).</summary>
public interface IChannelIndex
{
    /// <summary>
    /// Stores the channel's grain state and its row in one transaction (the row's member count from
    /// <paramref name="channel"/>; its sequence is the message log's). Returns the state's new version; throws
    /// <see cref="Orleans.Storage.InconsistentStateException"/>, storing nothing, when another write got there first.
    /// </summary>
    Task<long> Save(ChannelInfo channel, GrainStateWrite state);

    Task<IReadOnlyList<ChannelSummary>> List();
}
