namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// Artifact bytes and rows, the same tables on both engines: <c>artifact_uploads</c> (an upload under way),
/// <c>artifact_chunks</c> (its bytes, one row per <see cref="ArtifactChunks.Size"/>), <c>artifacts</c> (the visible row,
/// written last), and the links that say who else may read it (<c>artifact_messages</c>, written with the message;
/// <c>artifact_tasks</c>, written with the task's row). Each call is a write of its own: a chunk never waits for the
/// whole file, and the writer is never held by more than one chunk.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Records an upload under way (so an unfinished one is found and swept); false if the id is taken.</summary>
    Task<bool> BeginUpload(Guid id, string owner, DateTimeOffset startedAt);

    Task WriteChunk(Guid id, int index, byte[] data);

    /// <summary>The artifact row, and the upload's record gone, in one transaction: from here on it is visible.</summary>
    Task Publish(ArtifactInfo artifact);

    /// <summary>An upload's chunks (at most <paramref name="limit"/> per call) and, once none is left, its record; returns how many chunks went.</summary>
    Task<int> DropUpload(Guid id, int limit);

    Task<ArtifactInfo?> Find(Guid id);

    /// <summary>
    /// Whether <paramref name="reader"/> (an agent key) may read the artifact through what it is attached to: a message
    /// the reader may read (the history rule, <c>MessageHistorySql</c>) or a task the reader is a party of.
    /// </summary>
    Task<bool> ReadableThroughLinks(Guid id, string reader);

    Task<byte[]?> ReadChunk(Guid id, int index);

    /// <summary>Hides the artifact (its row and links go in one write), then its chunks go a few at a time.</summary>
    Task Delete(Guid id, int chunksPerWrite);

    /// <summary>Visible artifacts created before <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<Guid>> CreatedBefore(DateTimeOffset before, int limit);

    /// <summary>Uploads started before <paramref name="before"/> and never published.</summary>
    Task<IReadOnlyList<Guid>> UploadsStartedBefore(DateTimeOffset before, int limit);
}
