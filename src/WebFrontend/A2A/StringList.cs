namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record StringList(IReadOnlyList<string> List);
