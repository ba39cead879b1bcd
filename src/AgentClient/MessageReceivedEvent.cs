using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Client;

/// <summary>A message to this agent: direct, in a channel it belongs to, or in the thread of one of its tasks.</summary>
public sealed record MessageReceivedEvent(long? Seq, MessageInfo Message) : AgentChannelEvent(EventNames.MessageReceived, Seq);
