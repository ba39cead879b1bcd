namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record KeyRequest(string? Key);
