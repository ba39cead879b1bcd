using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Tasks;
using Orleans.Runtime;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// When a silo dies, its grains come back on the survivors only when something calls them. Most do (agents
/// heartbeat, callers retry), but two kinds of work lived in memory on the dead silo and nobody would call for
/// it: the assignment queues with their waiting tasks, and the lease timers of assigned tasks (and the
/// presence checks of agents that have gone quiet). So every surviving silo, on seeing a silo declared dead,
/// runs the same wake as after a start: open tasks re-queue or re-arm their lease, present agents re-arm
/// their presence check. Waking is idempotent, so several survivors doing it only costs duplicate calls.
/// </summary>
internal sealed partial class ClusterRecovery(
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    TaskRecovery tasks,
    PresenceRecovery presence,
    ILogger<ClusterRecovery> logger) : SiloBackgroundLoop
{
    protected override async Task RunAsync(CancellationToken stopping)
    {
        var known = new HashSet<SiloAddress>(
            membership.CurrentSnapshot.Members.Values.Where(member => member.Status == SiloStatus.Dead).Select(member => member.SiloAddress));
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var newlyDead = snapshot.Members.Values
                    .Where(member => member.Status == SiloStatus.Dead && !member.SiloAddress.Equals(localSilo.SiloAddress) && known.Add(member.SiloAddress))
                    .Select(member => member.SiloAddress)
                    .ToList();
                if (newlyDead.Count == 0)
                {
                    continue;
                }
                LogSiloDied(string.Join(", ", newlyDead));
                await tasks.WakeOpenTasks();
                await presence.WakePresentAgents();
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

    [LoggerMessage(LogLevel.Warning, "Silo {Silos} declared dead: waking open tasks and present agents on the survivors")]
    private partial void LogSiloDied(string silos);

    [LoggerMessage(LogLevel.Error, "Cluster recovery stopped watching membership; work of silos that die from now on resumes when touched")]
    private partial void LogWatchFailed(Exception exception);
}
