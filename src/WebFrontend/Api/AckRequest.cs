namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record AckRequest(long? Seq);
