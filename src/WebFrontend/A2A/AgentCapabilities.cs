namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record AgentCapabilities(bool Streaming, bool PushNotifications, bool ExtendedAgentCard);
