namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record ChannelRequest(string? Channel);
