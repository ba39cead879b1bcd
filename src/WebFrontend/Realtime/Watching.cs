namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record Watching(IReadOnlyList<string> Keys, IReadOnlyList<string> Prefixes);
