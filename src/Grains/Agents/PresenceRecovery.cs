using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// After a start (or a crash and restart) the agents the store still lists as present have no live grain
/// to notice that they are gone. Waking each one arms its presence check, so an agent that does not come
/// back goes offline (agent:left) after the usual timeout.
/// </summary>
internal sealed partial class PresenceRecovery(IAgentIndex index, IGrainFactory grains, ILogger<PresenceRecovery> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PresenceRecovery), ServiceLifecycleStage.Active, cancellation =>
        {
            // In the background: start-up must not wait on thousands of agents.
            _ = Task.Run(WakePresentAgents, CancellationToken.None);
            return Task.CompletedTask;
        });

    public async Task WakePresentAgents()
    {
        try
        {
            var present = (await index.List(new AgentQuery(Status: AgentStatus.Online)))
                .Concat(await index.List(new AgentQuery(Status: AgentStatus.Busy)));
            var woken = 0;
            foreach (var agent in present)
            {
                await grains.GetGrain<IAgentGrain>(Identity.AgentNames.Key(agent.Name)).GetInboxPosition();
                woken++;
            }
            LogWoken(woken);
        }
        catch (Exception exception)
        {
            LogFailed(exception);
        }
    }

    [LoggerMessage(LogLevel.Information, "Presence recovery woke {Count} agents listed as present")]
    private partial void LogWoken(int count);

    [LoggerMessage(LogLevel.Error, "Presence recovery failed; agents listed as present stay so until they reconnect")]
    private partial void LogFailed(Exception exception);
}
