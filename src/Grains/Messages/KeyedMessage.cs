namespace Orleans.AgentChannel.Messages;

/// <summary>A message stored by a keyed send, with the hash of the request that stored it.</summary>
public sealed record KeyedMessage(MessageInfo Message, string RequestHash);
