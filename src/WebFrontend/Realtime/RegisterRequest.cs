using System.Text.Json.Serialization;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record RegisterRequest(
    string? Name, string? Type, IReadOnlyList<string>? Capabilities, RawJson? Metadata, string? Token,
    [property: JsonConverter(typeof(NotNullConverter<long>))] long? LastSeq,
    [property: JsonConverter(typeof(NotNullConverter<bool>))] bool? Presence);
