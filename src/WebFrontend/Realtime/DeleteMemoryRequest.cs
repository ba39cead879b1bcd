using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record DeleteMemoryRequest(string? Key, [property: JsonConverter(typeof(NotNullConverter<long>))] long? ExpectedVersion);
