using Orleans.AgentChannel.Client.Delivery;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// The live session with the agent's grain: heartbeats, renewals that say what this client wants pushed, memory
/// snapshots, and the observer the grain pushes to.
/// </summary>
public sealed partial class AgentClient
{
    /// <summary>
    /// While the client runs the agent counts as connected (renewed like a WebSocket connection), its heartbeat
    /// keeps the leases of the tasks it holds, and the inbox position catches any push that never came.
    /// </summary>
    private async Task Heartbeats()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        // A call sent into a connection that just died waits for Orleans' whole response timeout (30 s by default);
        // giving up on it sooner lets the next beat go out on a fresh connection. The abandoned call ends by itself.
        var patience = _options.HeartbeatInterval > MinimumHeartbeatPatience ? _options.HeartbeatInterval : MinimumHeartbeatPatience;
        try
        {
            while (await timer.WaitForNextTickAsync(_closing.Token))
            {
                try
                {
                    await Beat().WaitAsync(patience, _closing.Token);
                }
                catch (OperationCanceledException) when (_closing.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception)
                {
                    // Also when closing meanwhile: a failed beat must not become DisposeAsync's exception.
                    LogHeartbeatFailed(exception, Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Beat()
    {
        // The token of now: the flow this loop started in carries the one the client connected with.
        using var presented = ClusterCredential.Present(Token);
        // Also registers the observer and the watches again with a grain that a restart or a failover re-activated;
        // live events sent meanwhile are lost, so what the watches cover comes as snapshots.
        if (!(await Renew()).WasConnected)
        {
            await DeliverSnapshots(_watches.All);
        }
        _agent = await _grain.Heartbeat(_caller, null);
        Delivery.InboxReaches((await _grain.GetInboxPosition()).LastSeq);
    }

    /// <summary>Tells the agent's grain this client is connected, with what it wants besides its inbox.</summary>
    private async Task<AgentConnected> Renew(Func<LiveInterest, LiveInterest>? change = null)
    {
        await _renewing.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(_closing.IsCancellationRequested && _disposed == 1, this);
            var interest = _watches.Interest(_options.ReceivePresenceEvents);
            var wanted = change?.Invoke(interest) ?? interest;
            var connected = await _grain.Connected(ConnectionId, _observer!, wanted);
            _watches.Set(wanted);
            return connected;
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>What the watches cover as it stands now, as memory:updated events marked snapshot.</summary>
    private async Task DeliverSnapshots(IEnumerable<MemoryWatch> watches)
    {
        await foreach (var snapshot in MemorySnapshots.Read(_cluster, _caller, watches))
        {
            Delivery.Receive(snapshot);
        }
    }

    /// <summary>The agent's grain pushing what it stored in the inbox, and the live events this client asked for.</summary>
    private sealed class InboxPush(ClientInboxDelivery delivery, Action<string, string> revoked) : IInboxObserver
    {
        /// <summary>The token stopped (rotated elsewhere, revoked, retired): from now on the cluster refuses this client's calls.</summary>
        public Task Revoked(string code, string reason)
        {
            revoked(code, reason);
            return Task.CompletedTask;
        }

        public Task Stored(IReadOnlyList<AgentEvent> items)
        {
            foreach (var item in items)
            {
                delivery.Receive(item);
            }
            return Task.CompletedTask;
        }

        public Task Live(IReadOnlyList<AgentEvent> items)
        {
            foreach (var item in items)
            {
                delivery.Receive(item);
            }
            return Task.CompletedTask;
        }
    }
}
