using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Storage;

/// <summary>Opaque page cursors: callers pass back what a page returned; anything else is a 400.</summary>
public static class Cursors
{
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
            if (bytes.Length == sizeof(long))
            {
                return BitConverter.ToInt64(bytes);
            }
        }
        catch (FormatException)
        {
        }
        throw AgentChannelException.Invalid("cursor", "'cursor' is not a cursor this server returned.");
    }

    public static string FromKey(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key));

    public static string? ToKey(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
        }
        catch (FormatException)
        {
            throw AgentChannelException.Invalid("cursor", "'cursor' is not a cursor this server returned.");
        }
    }
}
