namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record ProvideInputRequest(string? Answer);
