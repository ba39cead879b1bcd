namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record ReviewRequest(string? Comment);
