using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Errors;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// One artifact, keyed by its id (a Guid v7 the uploader's front door or client picks). An upload is
/// <see cref="Begin"/>, <see cref="Append"/> per chunk (each stored as it comes, the SHA-256 taken as it goes),
/// <see cref="Commit"/>: only then is the artifact visible. An upload over <c>Artifacts:MaxBytes</c> is refused with
/// too_large and everything it stored is deleted; so is an <see cref="Abort"/>ed one, and one left unfinished is swept.
/// Reading (<see cref="Get"/>, <see cref="ReadChunk"/>) is for its audience: the uploader, the operator, whoever may
/// read a message it is attached to, and the parties of a task whose result carries it; anyone else is forbidden.
/// </summary>
[Alias("agentchannel.artifact")]
public interface IArtifactGrain : IGrainWithGuidKey
{
    /// <summary>Starts the caller's upload under this id; conflict if the id is taken or another upload runs.</summary>
    [Alias("begin")]
    Task Begin(Caller caller, NewArtifact artifact);

    /// <summary>Stores the next chunk (at most <see cref="ArtifactChunks.Size"/> bytes); returns the bytes stored so far.</summary>
    /// <remarks>The caller never touches <paramref name="chunk"/> again: a call within one process passes it without a copy.</remarks>
    [Alias("append")]
    Task<long> Append(Caller caller, [Immutable] byte[] chunk);

    /// <summary>Makes the upload visible: one write of its row, with the size and SHA-256 of what was appended.</summary>
    [Alias("commit")]
    Task<ArtifactInfo> Commit(Caller caller);

    /// <summary>Drops an unfinished upload and its chunks (a front door whose request body broke off calls it).</summary>
    [Alias("abort")]
    Task Abort(Caller caller);

    /// <summary>The artifact, if the caller is in its audience (else forbidden); not_found when there is none.</summary>
    [AlwaysInterleave, Alias("get"), RetrySafe]
    Task<ArtifactInfo> Get(Caller caller);

    /// <summary>Chunk <paramref name="index"/> (0-based, <see cref="ArtifactInfo.Chunks"/> of them), as for <see cref="Get"/>.</summary>
    [AlwaysInterleave, Alias("read-chunk"), RetrySafe]
    [return: Immutable]
    Task<byte[]> ReadChunk(Caller caller, int index);

    /// <summary>Deletes the artifact (its uploader or the operator); messages and tasks keep its id, which then reads not_found.</summary>
    [Alias("delete")]
    Task Delete(Caller caller);
}
