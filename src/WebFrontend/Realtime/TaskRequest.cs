using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record TaskRequest(Guid? TaskId, string? Agent, RawJson? Result, Guid? AssignmentId, string? Question = null, string? Answer = null,
    string? Comment = null, IReadOnlyList<Guid>? Artifacts = null);
