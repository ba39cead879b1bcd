namespace Orleans.AgentChannel.Events;

/// <summary>The codes of <see cref="EventNames.SessionRevoked"/>: why a connection's token stopped.</summary>
public static class SessionEndings
{
    public const string Rotated = "token_rotated";
    public const string Revoked = "token_revoked";
    public const string Retired = "agent_retired";
}
