using Orleans.Concurrency;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// The live end of an agent's inbox: the gateway connection or C# client holding the agent, registered with
/// the agent's grain on connect and again on every renewal (so a restarted or moved grain learns it anew). The
/// grain pushes each event right after storing it. One-way and unacknowledged: the inbox stays the guarantee,
/// and the receiver fills any gap in the sequence from it.
/// </summary>
[Alias("agentchannel.inbox-observer")]
public interface IInboxObserver : IGrainObserver
{
    [OneWay, Alias("stored")]
    Task Stored(AgentEvent item);
}
