using System.Security.Cryptography;
using System.Text;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Idempotency;

/// <summary>
/// A caller's name for one write (REST <c>Idempotency-Key</c>, WebSocket and MCP <c>idempotency_key</c>): a repeat of the
/// write with the same key and the same request gets the original answer and changes nothing. Keys belong to the caller
/// that sent them: two callers never share one.
/// </summary>
[GenerateSerializer, Immutable, Alias("idempotency-key")]
public sealed record IdempotencyKey([property: Id(0)] string Value)
{
    public const int MaxLength = 255;

    /// <summary>The unix-millisecond timestamp at the front of a version 7 UUID (RFC 9562 5.7).</summary>
    private const int TimestampBytes = 6;

    /// <summary>The REST header.</summary>
    public const string Header = "Idempotency-Key";

    /// <summary>The field in WebSocket frame data and MCP tool arguments.</summary>
    public const string Field = "idempotency_key";

    /// <summary>A key as sent, or null when none was; 1–255 printable ASCII characters (a UUID fits), else invalid.</summary>
    public static IdempotencyKey? Parse(string? value, string field = Field)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length is 0 or > MaxLength || value.Any(c => c is < '!' or > '~'))
        {
            throw AgentChannelException.Invalid(field, $"'{field}' must be 1 to {MaxLength} printable ASCII characters without spaces (a UUID, say).");
        }
        return new IdempotencyKey(value);
    }

    /// <summary>
    /// The id of the entity a keyed create makes (a task, a message): the same for the same caller and key, so a repeat
    /// lands on the entity the first attempt made, even when its answer was lost. SHA-256 of (kind, caller, key), with
    /// the version bits of an RFC 9562 version 8 (custom) UUID. A key that is a version 7 UUID (what the SDKs send) lends
    /// the id its 48-bit timestamp, so keyed ids follow time as the front doors' own version 7 ids do: random ids land
    /// all over the log's id index, and on SQLite that cost keyed sends a third of their rate (bench/README
    /// "client-direct"). 74 hash bits remain, so one caller's keys still cannot aim at another caller's ids.
    /// </summary>
    public Guid DerivedId(string kind, Caller caller)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{AgentNames.Key(caller.Name)}\n{Value}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        if (Guid.TryParseExact(Value, "D", out var timeOrdered) && timeOrdered.Version == 7)
        {
            timeOrdered.ToByteArray(bigEndian: true).AsSpan(0, TimestampBytes).CopyTo(bytes);
        }
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A new key for a write, as the SDKs make them: a version 7 UUID (see <see cref="DerivedId"/>).</summary>
    public static IdempotencyKey New() => new(Guid.CreateVersion7().ToString());
}
