namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record Artifact(string ArtifactId, string Name, IReadOnlyList<Part> Parts);
