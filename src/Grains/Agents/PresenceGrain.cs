using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Agents;

/// <summary>Batches presence changes and sends each listening agent's grain one batch per interval.</summary>
[Reentrant]
public sealed class PresenceGrain(IOptions<PresenceOptions> presence) : Grain, IPresenceGrain
{
    private readonly HashSet<string> _listeners = new(StringComparer.Ordinal);

    /// <summary>The latest change of each agent since the last batch, in the order they first changed.</summary>
    private readonly Dictionary<string, AgentEvent> _pending = new(StringComparer.Ordinal);
    private IGrainTimer? _flush;

    public Task Changed(AgentEvent change)
    {
        if (change.Audience?.Subject is { } subject)
        {
            _pending[AgentNames.Key(subject)] = change;
            _flush ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(presence.Value.BatchInterval, Timeout.InfiniteTimeSpan));
        }
        return Task.CompletedTask;
    }

    public Task Listen(string agentKey, bool listening)
    {
        if (listening)
        {
            _listeners.Add(agentKey);
        }
        else
        {
            _listeners.Remove(agentKey);
        }
        return Task.CompletedTask;
    }

    private Task Flush(CancellationToken cancellationToken)
    {
        _flush?.Dispose();
        _flush = null;
        var batch = _pending.ToList();
        _pending.Clear();
        foreach (var listener in _listeners)
        {
            // Nobody hears of their own comings and goings.
            var items = batch.Where(change => change.Key != listener).Select(change => change.Value).ToList();
            if (items.Count > 0)
            {
                _ = GrainFactory.GetGrain<IAgentGrain>(listener).Notify(items);
            }
        }
        return Task.CompletedTask;
    }
}
