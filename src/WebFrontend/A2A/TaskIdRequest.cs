namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>The params of GetTask, CancelTask and SubscribeToTask.</summary>
public sealed record TaskIdRequest(string? Id);
