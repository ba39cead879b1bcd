using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.Json;

/// <summary>
/// The one JSON shape of our records (snake_case fields, snake_case enum strings), shared by the REST API,
/// the WebSocket protocol and the documents in the query tables.
/// </summary>
public static class AgentChannelJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        // The web defaults read "2" as 2; the API documents numbers, and a string where one belongs is an error.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new WireEnumConverter());
        return options;
    }

    /// <summary>Reads a wire name ("in_progress") back; null or empty gives null, anything else is a 400 naming the field.</summary>
    public static T? ParseWireName<T>(string? value, string field) where T : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (WireName(candidate) == value)
            {
                return candidate;
            }
        }
        throw Errors.AgentChannelException.Invalid(field,
            $"'{field}' must be one of: {string.Join(", ", Enum.GetValues<T>().Select(v => WireName(v)))}.");
    }

    /// <summary>An enum value as it appears on the wire, e.g. "in_progress".</summary>
    public static string WireName<T>(T value) where T : struct, Enum =>
        JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
