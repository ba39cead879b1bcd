namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record AssignRequest(string? Agent);
