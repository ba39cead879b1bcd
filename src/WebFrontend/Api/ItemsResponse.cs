namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
