using System.Text.Json.Serialization;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.WebFrontend.Api;

// Bodies that only the REST API has; everything else binds straight to the grain contracts.

public sealed record StatusRequest(AgentStatus? Status);

public sealed record HeartbeatRequest(AgentStatus? Status);

public sealed record AssignRequest(string? Agent);

public sealed record CompleteRequest(RawJson? Result, Guid? AssignmentId, IReadOnlyList<Guid>? Artifacts = null);

public sealed record RequestInputRequest(string? Question, Guid? AssignmentId);

public sealed record ProvideInputRequest(string? Answer);

public sealed record ReviewRequest(string? Comment);

public sealed record AckRequest(long? Seq);

public sealed record SetMemoryRequest(
    string? Key,
    RawJson? Value,
    AccessControl? AccessControl,
    [property: JsonConverter(typeof(NotNullConverter<long>))] long? ExpectedVersion,
    [property: JsonConverter(typeof(NotNullConverter<double>))] double? TtlSeconds);

public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
