using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Agents;

/// <summary>A live connection of an agent: where to push, when its front end last renewed it, and what it asked for.</summary>
internal readonly record struct LiveConnection(IInboxObserver Observer, DateTimeOffset Renewed, LiveInterest Interest);
