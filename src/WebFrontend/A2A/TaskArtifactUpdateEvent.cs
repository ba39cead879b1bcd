namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record TaskArtifactUpdateEvent(string TaskId, string ContextId, Artifact Artifact, bool Append, bool LastChunk);
