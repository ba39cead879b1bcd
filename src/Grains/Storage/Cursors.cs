using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// Opaque page cursors: callers pass back what a page returned; anything else is a 400. A cursor is taken only
/// when it is exactly what this server would have issued for the position or key it decodes to.
/// </summary>
public static class Cursors
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string FromPosition(long position) =>
        Convert.ToBase64String(BitConverter.GetBytes(position)).TrimEnd('=');

    public static long? ToPosition(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var bytes = Convert.FromBase64String(cursor.PadRight(cursor.Length + ((4 - (cursor.Length % 4)) % 4), '='));
            // Positions (log sequences, row ids) start at 1.
            if (bytes.Length == sizeof(long) && BitConverter.ToInt64(bytes) is > 0 and var position && FromPosition(position) == cursor)
            {
                return position;
            }
        }
        catch (FormatException)
        {
        }
        throw NotIssued();
    }

    public static string FromKey(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key));

    /// <summary>The memory key a page ended at; a cursor that does not decode to a valid key was never issued.</summary>
    public static string? ToKey(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var key = StrictUtf8.GetString(Convert.FromBase64String(cursor));
            if (MemoryGrain.IsValidKey(key) && FromKey(key) == cursor)
            {
                return key;
            }
        }
        // Not base64, or not UTF-8 (the strict decoder's DecoderFallbackException is an ArgumentException).
        catch (Exception error) when (error is FormatException or ArgumentException)
        {
        }
        throw NotIssued();
    }

    private static AgentChannelException NotIssued() =>
        AgentChannelException.Invalid("cursor", "'cursor' is not a cursor this server returned.");
}
