namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record A2ATaskStatus(string State, string Timestamp, A2AMessage? Message = null);
