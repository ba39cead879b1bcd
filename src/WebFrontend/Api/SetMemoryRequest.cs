using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record SetMemoryRequest(
    string? Key,
    RawJson? Value,
    AccessControl? AccessControl,
    [property: JsonConverter(typeof(NotNullConverter<long>))] long? ExpectedVersion,
    [property: JsonConverter(typeof(NotNullConverter<double>))] double? TtlSeconds);
