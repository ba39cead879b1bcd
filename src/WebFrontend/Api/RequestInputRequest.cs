namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record RequestInputRequest(string? Question, Guid? AssignmentId);
