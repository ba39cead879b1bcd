namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>What SendMessage answers and each event of a stream is: exactly one of its fields is set.</summary>
public sealed record StreamResponse(
    A2ATask? Task = null,
    TaskStatusUpdateEvent? StatusUpdate = null,
    TaskArtifactUpdateEvent? ArtifactUpdate = null);
