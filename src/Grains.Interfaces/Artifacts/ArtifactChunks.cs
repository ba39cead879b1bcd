namespace Orleans.AgentChannel.Artifacts;

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
