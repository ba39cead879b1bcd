using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Bearer tokens: <c>ac_{base64url(agent name)}_{base64url(32 random bytes)}</c>. The name part only routes
/// the check to the right agent grain; the grain compares the SHA-256 of the whole token with its stored hash.
/// </summary>
public static class AgentTokens
{
    private const string Prefix = "ac_";

    public static string Create(string agentName)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        return $"{Prefix}{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(agentName))}_{Base64Url.EncodeToString(secret)}";
    }

    /// <summary>The agent name a token claims to belong to, or null when it is not one of our tokens.</summary>
    public static string? ClaimedAgentName(string? token)
    {
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var separator = token.IndexOf('_', Prefix.Length);
        if (separator < 0)
        {
            return null;
        }
        var namePart = token.AsSpan(Prefix.Length, separator - Prefix.Length);
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(namePart));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static bool Matches(string token, byte[] expectedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(token), expectedHash);
}
