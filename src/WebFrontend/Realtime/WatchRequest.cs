using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record WatchRequest(string? Key, string? Prefix, [property: JsonConverter(typeof(NotNullConverter<bool>))] bool? Snapshot);
