using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record CompleteRequest(RawJson? Result, Guid? AssignmentId, IReadOnlyList<Guid>? Artifacts = null);
