namespace Orleans.AgentChannel.Artifacts;

/// <summary>What an upload declares before its bytes: a file name and a media type (default application/octet-stream).</summary>
[GenerateSerializer, Immutable, Alias("new-artifact")]
public sealed record NewArtifact(
    [property: Id(0)] string Name,
    [property: Id(1)] string? ContentType = null);
