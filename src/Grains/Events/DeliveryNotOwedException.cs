namespace Orleans.AgentChannel.Events;

/// <summary>A message's inbox entry was offered again after it had been stored (a redelivery racing the first one).</summary>
public sealed class DeliveryNotOwedException(string agentKey)
    : Exception($"A message offered to the inbox of '{agentKey}' is no longer owed to it: it is stored there already.");
