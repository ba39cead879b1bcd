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
internal sealed class ArtifactRetention(
    IArtifactStore store,
    IGrainFactory grains,
    IOptions<ArtifactOptions> options,
    TimeProvider clock,
    ILogger<ArtifactRetention> logger) : PeriodicSiloLoop(clock, logger)
{
    private const int BatchSize = 100;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.SweepSeconds);

    protected override Task Tick(CancellationToken stopping) => Sweep(stopping);

    private async Task Sweep(CancellationToken stopping)
    {
        var now = Clock.GetUtcNow();
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
}
