namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record InboxAckRequest(long? Seq);
