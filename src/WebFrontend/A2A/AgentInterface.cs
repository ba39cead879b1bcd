namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record AgentInterface(string Url, string ProtocolBinding, string ProtocolVersion);
