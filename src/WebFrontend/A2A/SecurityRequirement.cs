namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record SecurityRequirement(IReadOnlyDictionary<string, StringList> Schemes);
