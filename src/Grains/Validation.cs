using System.Text.Json;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel;

/// <summary>Input checks shared by the grains; each failure names the field at fault.</summary>
internal static class Validation
{
    public static string RequireText(string? value, string field, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw AgentChannelException.Invalid(field, $"'{field}' is required.");
        }
        return LimitText(value, field, maxChars);
    }

    public static string LimitText(string value, string field, int maxChars) =>
        value.Length <= maxChars
            ? value
            : throw AgentChannelException.TooLarge(field, $"'{field}' is longer than {maxChars} characters.");

    /// <summary>A JSON object (or absent, giving {}), no larger than <paramref name="maxBytes"/>.</summary>
    public static RawJson ObjectOrEmpty(RawJson? value, string field, int maxBytes)
    {
        if (value is null || value.Value.IsNull)
        {
            return RawJson.EmptyObject;
        }
        if (value.Value.Kind != JsonValueKind.Object)
        {
            throw AgentChannelException.Invalid(field, $"'{field}' must be a JSON object.");
        }
        return LimitJson(value.Value, field, maxBytes);
    }

    public static RawJson LimitJson(RawJson value, string field, int maxBytes) =>
        value.ByteCount <= maxBytes
            ? value
            : throw AgentChannelException.TooLarge(field, $"'{field}' is larger than {maxBytes} bytes.");

    public static int Limit(int requested, int max) => requested switch
    {
        < 1 => throw AgentChannelException.Invalid("limit", $"'limit' must be between 1 and {max}."),
        _ when requested > max => throw AgentChannelException.Invalid("limit", $"'limit' must be between 1 and {max}."),
        _ => requested,
    };
}
