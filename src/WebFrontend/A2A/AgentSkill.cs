namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record AgentSkill(string Id, string Name, string Description, IReadOnlyList<string> Tags, IReadOnlyList<string> Examples);
