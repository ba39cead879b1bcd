using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Agents;

/// <summary>
/// Presence and task slots: status, heartbeats, the offline timeout with its joined/left announcements, and the
/// slots the agent's tasks hold.
/// </summary>
public sealed partial class AgentGrain
{
    public async Task<AgentInfo> SetStatus(Caller caller, AgentStatus status)
    {
        RequireActive();
        if (!caller.IsOperator && !caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself or the operator may change its status.");
        }
        if (!Enum.IsDefined(status))
        {
            throw AgentChannelException.Invalid("status", "'status' must be online, busy or offline.");
        }
        if (caller.Is(Agent.Name))
        {
            Agent.LastSeen = clock.GetUtcNow();
        }
        await ChangeStatus(status, forceSave: true);
        return Agent.ToInfo();
    }

    public Task<bool> ReserveSlot(Guid taskId, bool force)
    {
        RequireRegistered();
        if (Agent.RetiredAt is not null)
        {
            return Task.FromResult(false);
        }
        if (_heldTasks.Contains(taskId) || force || AssignmentPolicy.HasFreeSlot(_heldTasks.Count, taskOptions.Value.MaxActivePerAgent))
        {
            _heldTasks.Add(taskId);
            return Task.FromResult(true);
        }
        return Task.FromResult(false);
    }

    public Task ReleaseSlot(Guid taskId)
    {
        _heldTasks.Remove(taskId);
        return Task.CompletedTask;
    }

    public async Task<AgentInfo> Heartbeat(Caller caller, AgentStatus? status)
    {
        RequireActive();
        if (!caller.Is(Agent.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself sends its heartbeat.");
        }
        if (status is AgentStatus.Offline)
        {
            throw AgentChannelException.Invalid("status", "A heartbeat says 'online' or 'busy'; to go offline, disconnect or set the status.");
        }
        Agent.LastSeen = clock.GetUtcNow();
        await ChangeStatus(status ?? (Agent.Status == AgentStatus.Offline ? AgentStatus.Online : Agent.Status));
        await KeepTasks();
        return Agent.ToInfo();
    }

    /// <summary>A sign of life (heartbeat, or a gateway renewing an open connection) renews the leases on held tasks.</summary>
    private async Task KeepTasks()
    {
        foreach (var taskId in _heldTasks)
        {
            await GrainFactory.GetGrain<ITaskGrain>(taskId).ExtendLease(Agent.Name);
        }
    }

    /// <summary>
    /// Sets the status, stores it (and, at most every few seconds, last_seen), and announces crossings of
    /// the offline boundary: agent:joined when the agent comes back, agent:left when it goes. Any other
    /// stored change is agent:updated on the activity stream, so the console's listing stays live.
    /// </summary>
    private async Task ChangeStatus(AgentStatus status, bool forceSave = false)
    {
        var previous = Agent.Status;
        Agent.Status = status;
        var lastSeenIsStale = Agent.LastSeen - _lastSeenStored > presence.Value.OfflineAfter / 4;
        var stored = forceSave || previous != status || lastSeenIsStale;
        if (stored)
        {
            await SaveAsync();
            _lastSeenStored = Agent.LastSeen;
        }
        if (status == AgentStatus.Offline)
        {
            StopWatchingPresence();
            Backstop.Sync();
        }
        else
        {
            WatchPresence();
            Backstop.Sync();
        }
        if (previous == AgentStatus.Offline && status != AgentStatus.Offline)
        {
            await AnnouncePresence(EventNames.AgentJoined);
        }
        else if (previous != AgentStatus.Offline && status == AgentStatus.Offline)
        {
            await AnnouncePresence(EventNames.AgentLeft);
            // Work held by an agent that is gone goes back to the queue.
            foreach (var taskId in _heldTasks)
            {
                await GrainFactory.GetGrain<ITaskGrain>(taskId).Release(Agent.Name, "the agent went offline");
            }
        }
        else if (stored)
        {
            await this.PublishActivity(Key, EventNames.AgentUpdated, Agent.ToInfo());
        }
    }

    /// <summary>A crossing of the offline boundary: to the agents listening for presence, and to the operator's side.</summary>
    private async Task AnnouncePresence(string eventName)
    {
        var info = Agent.ToInfo();
        _ = GrainFactory.GetGrain<IPresenceGrain>(0).Changed(
            new AgentEvent(eventName, null, Json.RawJson.Serialize(info, Json.AgentChannelJson.Options), new EventAudience(Agent.Name)));
        await this.PublishActivity(Key, eventName, info);
    }

    private void WatchPresence()
    {
        if (_presenceTimer is not null)
        {
            return;
        }
        var period = presence.Value.OfflineAfter / 4;
        // KeepAlive: a present agent's grain must stay active to notice when it goes quiet.
        _presenceTimer = this.RegisterGrainTimer(CheckPresence, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private void StopWatchingPresence()
    {
        _presenceTimer?.Dispose();
        _presenceTimer = null;
    }

    private async Task CheckPresence(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var timeout = presence.Value.OfflineAfter;
        var stale = _connections.Where(connection => now - connection.Value.Renewed > timeout).Select(c => c.Key).ToList();
        foreach (var connectionId in stale)
        {
            // A gateway that stopped renewing its connection (it crashed) no longer keeps the agent present.
            _connections.Remove(connectionId);
        }
        if (stale.Count > 0)
        {
            await IndexInterest();
        }
        // An activation counts as a sign of life: a grain brought back by its reminder (its silo died, the server
        // restarted) gives the agent's connections a full timeout to renew before it is declared gone.
        var lastSign = Agent.LastSeen > _activatedAt ? Agent.LastSeen : _activatedAt;
        if (_connections.Count == 0 && now - lastSign > timeout && Agent.Status != AgentStatus.Offline)
        {
            await ChangeStatus(AgentStatus.Offline);
        }
    }
}
