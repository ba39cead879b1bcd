using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// The assignment pools' queues live in memory (<see cref="AssignmentPoolGrain"/>), so they are rebuilt from the tasks table
/// when they may have been lost: at start (with the tasks whose stored state still owes inbox events), and on each
/// survivor when another silo is declared dead. Only waiting tasks are woken (queueing is idempotent, so several
/// survivors doing it cost duplicate calls, nothing more). Every other duty a grain keeps in memory (a lease, blocked
/// dependencies, a presence timeout) has its own reminder (<see cref="Backstop"/>, <see cref="RecoveryOptions"/>);
/// the queues are rebuilt here rather than waiting up to a reminder period with capable agents idle.
/// </summary>
internal sealed partial class AssignmentPoolRestore(
    ITaskIndex index,
    IGrainFactory grains,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    ILogger<AssignmentPoolRestore> logger) : SiloBackgroundLoop
{
    protected override async Task RunAsync(CancellationToken stopping)
    {
        var known = new HashSet<SiloAddress>(
            membership.CurrentSnapshot.Members.Values.Where(member => member.Status == SiloStatus.Dead).Select(member => member.SiloAddress));
        await Restore(includeOwing: true);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(member => member.Status == SiloStatus.Dead && !member.SiloAddress.Equals(localSilo.SiloAddress) && known.Add(member.SiloAddress))
                    .Select(member => member.SiloAddress)
                    .ToList();
                if (newlyDead.Count > 0)
                {
                    LogSiloDied(string.Join(", ", newlyDead));
                    await Restore(includeOwing: false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            LogWatchFailed(exception);
        }
    }

    private async Task Restore(bool includeOwing)
    {
        try
        {
            IEnumerable<Guid> due = await index.WithStatus([AgentTaskStatus.Pending]);
            if (includeOwing)
            {
                due = due.Union(await index.OwingNotices());
            }
            var woken = 0;
            foreach (var id in due)
            {
                await grains.GetGrain<ITaskGrain>(id).Wake();
                woken++;
            }
            LogRestored(woken);
        }
        catch (Exception exception)
        {
            LogFailed(exception);
        }
    }

    [LoggerMessage(LogLevel.Information, "Queued {Count} waiting tasks again (at start: with the tasks owing inbox events)")]
    private partial void LogRestored(int count);

    [LoggerMessage(LogLevel.Error, "Restoring the task queues failed; waiting tasks rejoin them at their reminder's next tick")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Silo {Silos} declared dead: queueing waiting tasks again on the survivors")]
    private partial void LogSiloDied(string silos);

    [LoggerMessage(LogLevel.Error, "Stopped watching membership; queues of silos that die from now on are rebuilt by reminders")]
    private partial void LogWatchFailed(Exception exception);
}
