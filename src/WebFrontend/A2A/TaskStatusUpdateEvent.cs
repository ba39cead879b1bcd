namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record TaskStatusUpdateEvent(string TaskId, string ContextId, A2ATaskStatus Status);
