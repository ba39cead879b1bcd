namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>The data of a <c>session:revoked</c> push: why the connection's token stopped (<see cref="Events.SessionEndings"/>).</summary>
public sealed record SessionRevokedNotice(string Code, string Reason);
