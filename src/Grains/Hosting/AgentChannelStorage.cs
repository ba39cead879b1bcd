namespace Orleans.AgentChannel.Hosting;

public static class AgentChannelStorage
{
    /// <summary>
    /// Orleans' ADO.NET grain storage, where grain state lived before it moved to our tables (<see cref="Storage.GrainStateStorage"/>,
    /// <see cref="Tasks.TaskStateStorage"/>). Only read now: a grain with nothing in our tables yet is read from here and
    /// moves at its next write. Its rows are keyed by grain and state name, not by this name. Not "agentchannel", the
    /// stream provider's name: Orleans keeps a stream provider's pub-sub state in the grain storage named like the
    /// provider when there is one, which put every stream subscription of a SQLite silo in this storage instead of in
    /// memory (PubSubStore).
    /// </summary>
    public const string Name = "agentchannel-before";
}
