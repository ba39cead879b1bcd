using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Artifacts;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

// Artifacts (docs/sdk-guide.md, "Artifacts"): files streamed to and from their grain one chunk at a time, so neither
// this process nor the server holds a whole file. Attached by id to a message (MessageDraft.Artifacts) or a task result.
public sealed partial class AgentClient
{
    /// <summary>
    /// Uploads <paramref name="content"/> (read to its end, <see cref="ArtifactChunks.Size"/> bytes at a time) and returns
    /// the artifact as stored: id, size, SHA-256. Until it is attached only this agent and the operator may read it. Over
    /// the server's size limit it is a <see cref="TooLargeException"/> and nothing is kept. Not retried on its own: an
    /// upload the cluster did not answer is aborted (or swept) and may be uploaded again.
    /// </summary>
    public async Task<ArtifactInfo> UploadArtifactAsync(Stream content, string name, string? contentType = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var grain = _cluster.GetGrain<IArtifactGrain>(Guid.CreateVersion7());
        await Call(async () =>
        {
            await grain.Begin(_caller, new NewArtifact(name, contentType));
            return true;
        }, cancellationToken);
        try
        {
            var buffer = new byte[ArtifactChunks.Size];
            int read;
            while ((read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0)
            {
                var chunk = buffer[..read];
                await Call(() => grain.Append(_caller, chunk), cancellationToken);
            }
        }
        catch (Exception error) when (error is not TooLargeException)
        {
            try
            {
                // What was stored goes now; if the cluster cannot hear it either, the server's sweep removes it.
                await Call(async () =>
                {
                    await grain.Abort(_caller);
                    return true;
                }, CancellationToken.None);
            }
            catch (Exception abortFailed) when (abortFailed is not OperationCanceledException)
            {
                LogArtifactAbortFailed(abortFailed, grain.GetPrimaryKey());
            }
            throw;
        }
        return await Call(() => grain.Commit(_caller), cancellationToken);
    }

    /// <summary>The artifact's record, if this agent may read it (else a <see cref="ForbiddenException"/>).</summary>
    public Task<ArtifactInfo> GetArtifactAsync(Guid artifactId, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IArtifactGrain>(artifactId).Get(_caller), cancellationToken);

    /// <summary>Writes the artifact's bytes to <paramref name="destination"/>, chunk by chunk; returns its record.</summary>
    public async Task<ArtifactInfo> DownloadArtifactAsync(Guid artifactId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var grain = _cluster.GetGrain<IArtifactGrain>(artifactId);
        var artifact = await Call(() => grain.Get(_caller), cancellationToken);
        for (var index = 0; index < artifact.Chunks; index++)
        {
            var chunk = index;
            await destination.WriteAsync(await Call(() => grain.ReadChunk(_caller, chunk), cancellationToken), cancellationToken);
        }
        return artifact;
    }

    /// <summary>Deletes an artifact this agent uploaded; messages and tasks keep its id, which then reads not_found.</summary>
    public Task DeleteArtifactAsync(Guid artifactId, CancellationToken cancellationToken = default) =>
        Call(async () =>
        {
            await _cluster.GetGrain<IArtifactGrain>(artifactId).Delete(_caller);
            return true;
        }, cancellationToken);

    /// <summary>Sends a message carrying artifacts this agent may read; whoever may read the message may then read them.</summary>
    public Task<MessageInfo> SendMessageAsync(string content, IReadOnlyList<Guid> artifacts, IEnumerable<string>? recipients = null,
        string? channel = null, Guid? taskId = null, CancellationToken cancellationToken = default) =>
        SendMessageAsync(new MessageDraft(content, recipients?.ToList(), channel, taskId, Artifacts: artifacts), cancellationToken);

    [LoggerMessage(LogLevel.Warning, "Could not abort the upload of artifact {ArtifactId}; the server removes it once abandoned")]
    private partial void LogArtifactAbortFailed(Exception exception, Guid artifactId);

    /// <summary>
    /// Completes a task this agent holds with a result and artifacts attached to it (as
    /// <see cref="CompleteTaskAsync(Guid, object?, CancellationToken)"/>); the task's creator may then read them.
    /// </summary>
    public Task<TaskInfo> CompleteTaskAsync(Guid taskId, object? result, IReadOnlyList<Guid> artifacts, CancellationToken cancellationToken = default) =>
        Complete(taskId, result, _assignments.Of(taskId), cancellationToken, artifacts);
}
