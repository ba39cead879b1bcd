using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// One artifact (docs/architecture.md, "Artifacts"). An upload lives in this activation's memory (owner, running
/// SHA-256, size, chunks stored) and in <c>artifact_uploads</c>; each chunk is its own small write, and the artifact's
/// row, written last, is what makes it visible. The stored row never changes, so it is kept here once read.
/// </summary>
public sealed class ArtifactGrain(IArtifactStore store, IOptions<ArtifactOptions> options, TimeProvider clock) : Grain, IArtifactGrain
{
    private const int MaxNameChars = 255;
    private const int MaxContentTypeChars = 255;

    /// <summary>Chunks deleted per write when an artifact or upload goes: the single SQLite writer is never held long.</summary>
    internal const int ChunksPerDelete = 16;

    private Upload? _upload;
    private ArtifactInfo? _stored;

    private Guid Id => this.GetPrimaryKey();

    public async Task Begin(Caller caller, NewArtifact artifact)
    {
        var name = ValidName(artifact.Name);
        var contentType = ValidContentType(artifact.ContentType);
        if (_upload is not null || await Stored() is not null)
        {
            throw AgentChannelException.Conflict($"Artifact {Id} already exists.");
        }
        var startedAt = clock.GetUtcNow();
        if (!await store.BeginUpload(Id, caller.Name, startedAt))
        {
            throw AgentChannelException.Conflict($"Artifact {Id} already exists.");
        }
        _upload = new Upload(caller.Name, name, contentType);
    }

    public async Task<long> Append(Caller caller, byte[] chunk)
    {
        var upload = RequireUploader(caller);
        if (chunk.Length > ArtifactChunks.Size)
        {
            throw AgentChannelException.Invalid("content", $"An upload call carries at most {ArtifactChunks.Size} bytes.");
        }
        if (upload.Size + chunk.Length > options.Value.MaxBytes)
        {
            await Drop();
            throw AgentChannelException.TooLarge("content", $"An artifact may hold at most {options.Value.MaxBytes} bytes.");
        }
        if (chunk.Length == 0)
        {
            return upload.Size;
        }
        try
        {
            await store.WriteChunk(Id, upload.Chunks, chunk);
        }
        catch
        {
            // The stored chunks no longer make a whole file: the upload cannot go on.
            await Drop();
            throw;
        }
        upload.Hash.AppendData(chunk);
        upload.Size += chunk.Length;
        upload.Chunks++;
        return upload.Size;
    }

    public async Task<ArtifactInfo> Commit(Caller caller)
    {
        var upload = RequireUploader(caller);
        var artifact = new ArtifactInfo(Id, upload.Name, upload.ContentType, upload.Size,
            Convert.ToHexStringLower(upload.Hash.GetHashAndReset()), upload.Owner, clock.GetUtcNow(), upload.Chunks);
        try
        {
            await store.Publish(artifact);
        }
        catch
        {
            await Drop();
            throw;
        }
        upload.Hash.Dispose();
        _upload = null;
        _stored = artifact;
        return artifact;
    }

    public async Task Abort(Caller caller)
    {
        if (_upload is null)
        {
            return;
        }
        RequireUploader(caller);
        await Drop();
    }

    public async Task<ArtifactInfo> Get(Caller caller)
    {
        var artifact = await Stored() ?? throw AgentChannelException.NotFound($"Artifact {Id} does not exist.");
        await RequireReader(caller, artifact);
        return artifact;
    }

    public async Task<byte[]> ReadChunk(Caller caller, int index)
    {
        var artifact = await Get(caller);
        if (index < 0 || index >= artifact.Chunks)
        {
            throw AgentChannelException.Invalid("index", $"Artifact {Id} has {artifact.Chunks} chunks.");
        }
        return await store.ReadChunk(Id, index) ?? throw AgentChannelException.NotFound($"Artifact {Id} does not exist.");
    }

    public async Task Delete(Caller caller)
    {
        var artifact = await Stored() ?? throw AgentChannelException.NotFound($"Artifact {Id} does not exist.");
        if (!caller.IsOperator && !caller.Is(artifact.Owner))
        {
            throw AgentChannelException.Forbidden("Only the artifact's uploader or the operator may delete it.");
        }
        await store.Delete(Id, ChunksPerDelete);
        _stored = null;
        DeactivateOnIdle();
    }

    private async Task<ArtifactInfo?> Stored() => _stored ??= await store.Find(Id);

    private async Task RequireReader(Caller caller, ArtifactInfo artifact)
    {
        if (caller.IsOperator || caller.Is(artifact.Owner) || await store.ReadableThroughLinks(Id, AgentNames.Key(caller.Name)))
        {
            return;
        }
        // 403, not 404: an id is 74 random bits nobody guesses, so it is known only to those it was shown to (docs/api.md).
        throw AgentChannelException.Forbidden($"Artifact {Id} is not attached to anything you may read.");
    }

    private Upload RequireUploader(Caller caller)
    {
        if (_upload is null)
        {
            throw AgentChannelException.Conflict($"No upload of artifact {Id} is under way (it finished, was refused, or was abandoned).");
        }
        var isUploader = caller.IsOperator ? _upload.Owner == Caller.OperatorName : caller.Is(_upload.Owner);
        if (!isUploader)
        {
            throw AgentChannelException.Forbidden("Only the uploader adds to an upload.");
        }
        return _upload;
    }

    private async Task Drop()
    {
        _upload?.Hash.Dispose();
        _upload = null;
        while (await store.DropUpload(Id, ChunksPerDelete) > 0)
        {
        }
    }

    private static string ValidName(string? name)
    {
        // Only the last path segment: a name is shown and offered as a download's file name, never used as a path.
        var trimmed = Path.GetFileName((name ?? "").Replace('\\', '/')).Trim();
        if (trimmed.Length == 0 || trimmed.Length > MaxNameChars || trimmed.Any(char.IsControl))
        {
            throw AgentChannelException.Invalid("name", $"An artifact needs a file name of 1 to {MaxNameChars} printable characters.");
        }
        return trimmed;
    }

    private static string ValidContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return ArtifactChunks.DefaultContentType;
        }
        var value = contentType.Trim();
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (value.Length > MaxContentTypeChars || slash <= 0 || slash == value.Length - 1 || value.Any(c => char.IsControl(c) || c > 127))
        {
            throw AgentChannelException.Invalid("content_type", "content_type must be a media type such as text/plain or image/png.");
        }
        return value;
    }

    private sealed class Upload(string owner, string name, string contentType)
    {
        public string Owner { get; } = owner;
        public string Name { get; } = name;
        public string ContentType { get; } = contentType;
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public long Size { get; set; }
        public int Chunks { get; set; }
    }
}
