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

/// <summary>What an upload declares before its bytes: a file name and a media type (default application/octet-stream).</summary>
[GenerateSerializer, Immutable, Alias("new-artifact")]
public sealed record NewArtifact(
    [property: Id(0)] string Name,
    [property: Id(1)] string? ContentType = null);

/// <summary>Sizes every front door and client uses when it streams an artifact in or out.</summary>
public static class ArtifactChunks
{
    /// <summary>
    /// The bytes of one stored chunk (one row of <c>artifact_chunks</c>) and at most of one upload call: an upload is
    /// streamed through in pieces of this size, so no front door, grain or client holds a whole file.
    /// </summary>
    public const int Size = 256 * 1024;

    public const string DefaultContentType = "application/octet-stream";
}
