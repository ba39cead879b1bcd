using System.Text.Json.Serialization;

namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// A stored artifact: a file an agent uploaded, attached to messages or task results by id. Visible only once its
/// last chunk is stored; <see cref="Sha256"/> (lower-case hex) and <see cref="Size"/> are what the server read.
/// </summary>
[GenerateSerializer, Immutable, Alias("artifact-info")]
public sealed record ArtifactInfo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string ContentType,
    [property: Id(3)] long Size,
    [property: Id(4)] string Sha256,
    [property: Id(5)] string Owner,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7), JsonIgnore] int Chunks = 0);
