namespace Orleans.AgentChannel.Messages;

/// <summary>A stored message that the inbox of <see cref="AgentKey"/> has yet to hold.</summary>
public sealed record OwedDelivery(string AgentKey, MessageInfo Message);
