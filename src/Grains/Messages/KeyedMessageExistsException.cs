namespace Orleans.AgentChannel.Messages;

/// <summary>A keyed message's id was already in the log when it was to be stored (two attempts of one send at once).</summary>
public sealed class KeyedMessageExistsException(Guid id) : Exception($"Message {id} is already stored.");
