using System.Text.Json.Serialization;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>The payload of an <c>error</c> frame; the same codes as the REST API's problem details.</summary>
public sealed record WireError(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Field = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CurrentVersion = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetryAfterMs = null)
{
    /// <summary>
    /// What a client is told about a refused request: the code, and the field, current version or (for
    /// <c>unavailable</c>) how long to wait before retrying, where they apply.
    /// </summary>
    public static WireError From(AgentChannelException error) =>
        new(error.Code.ToWire(), error.Message, error.Field, error.CurrentVersion,
            error.Code == ErrorKind.Unavailable ? (long)AgentChannelException.RetryAfter.TotalMilliseconds : null);

    /// <summary>A failure of ours, not of the request: no details leak, and the client may retry.</summary>
    public static WireError Internal { get; } = new("internal", "The request failed on the server; it may be retried.");
}
