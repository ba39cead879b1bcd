using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// Deletes artifacts older than <see cref="ArtifactOptions.RetentionDays"/> (through each one's grain, so a reader in
/// the middle of it is answered consistently) and the chunks of uploads abandoned for
/// <see cref="ArtifactOptions.AbandonedUploadMinutes"/> (a front end or client that died mid-upload). Runs on every silo:
/// the times are in the tables, so a dead silo takes nothing with it, and two silos deleting the same rows is harmless.
/// </summary>
internal sealed partial class ArtifactRetention(
    IArtifactStore store,
    IGrainFactory grains,
    IOptions<ArtifactOptions> options,
    TimeProvider clock,
    ILogger<ArtifactRetention> logger) : SiloBackgroundLoop
{
    private const int BatchSize = 100;

    protected override async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await Sweep(stopping);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogSweepFailed(exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Sweep(CancellationToken stopping)
    {
        var now = clock.GetUtcNow();
        if (options.Value.RetentionDays > 0)
        {
            foreach (var id in await store.CreatedBefore(now - TimeSpan.FromDays(options.Value.RetentionDays), BatchSize))
            {
                stopping.ThrowIfCancellationRequested();
                try
                {
                    await grains.GetGrain<IArtifactGrain>(id).Delete(Caller.Operator);
                }
                catch (Errors.AgentChannelException)
                {
                    // Deleted meanwhile.
                }
            }
        }
        foreach (var id in await store.UploadsStartedBefore(now - TimeSpan.FromMinutes(options.Value.AbandonedUploadMinutes), BatchSize))
        {
            stopping.ThrowIfCancellationRequested();
            while (await store.DropUpload(id, ArtifactGrain.ChunksPerDelete) > 0)
            {
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Artifact retention sweep failed; it runs again at the next tick")]
    private partial void LogSweepFailed(Exception exception);
}
