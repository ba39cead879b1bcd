using Orleans.AgentChannel.Artifacts;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// Streams an artifact into its grain and out of it, one <see cref="ArtifactChunks.Size"/> piece at a time: no front door
/// holds a whole file (docs/architecture.md, "Artifacts").
/// </summary>
public static class ArtifactTransfer
{
    /// <summary>
    /// Uploads <paramref name="content"/> under a new id. If reading the body fails (the client went away, the body limit
    /// was crossed), the upload is aborted, so nothing of it stays, and the failure goes on.
    /// </summary>
    public static async Task<ArtifactInfo> Upload(IGrainFactory grains, Caller caller, NewArtifact artifact, Stream content,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IArtifactGrain>(Guid.CreateVersion7(clock.GetUtcNow()));
        await grain.Begin(caller, artifact);
        try
        {
            var buffer = new byte[ArtifactChunks.Size];
            while (true)
            {
                var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    break;
                }
                await grain.Append(caller, buffer[..read]);
                if (read < buffer.Length)
                {
                    break;
                }
            }
        }
        catch
        {
            await grain.Abort(caller);
            throw;
        }
        return await grain.Commit(caller);
    }

    /// <summary>Writes the artifact's bytes to <paramref name="destination"/>, chunk by chunk.</summary>
    public static async Task CopyTo(IArtifactGrain grain, Caller caller, ArtifactInfo artifact, Stream destination, CancellationToken cancellationToken)
    {
        for (var index = 0; index < artifact.Chunks; index++)
        {
            var chunk = await grain.ReadChunk(caller, index);
            await destination.WriteAsync(chunk, cancellationToken);
        }
    }
}
