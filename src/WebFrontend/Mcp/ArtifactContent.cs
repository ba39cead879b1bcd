using Orleans.AgentChannel.Artifacts;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>An artifact and its bytes in base64 (null when it is over <see cref="ArtifactTools.MaxBytes"/>).</summary>
public sealed record ArtifactContent(ArtifactInfo Artifact, string? ContentBase64);
