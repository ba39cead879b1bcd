using System.Net.WebSockets;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// agent:register and what follows it: the agent's grain learns this connection (renewed on a timer), the inbox is
/// replayed after the client's last sequence, and memory watches with their snapshots.
/// </summary>
public sealed partial class AgentConnection
{
    /// <summary>agent:rotate_token: a new token for the agent; every other connection of the agent is closed, this one stays.</summary>
    public async Task<AgentRegistered> RotateToken(IAgentGrain grain, Caller caller)
    {
        // Under the gate the renewal checks the token with, so it never checks the old one after the grain replaced it.
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            var rotated = await grain.RotateToken(caller, Id);
            _token = rotated.Token;
            return rotated;
        }
        finally
        {
            _interestGate.Release();
        }
    }

    /// <summary>
    /// memory:watch / memory:unwatch: which keys and prefixes this connection wants memory:updated for. In force
    /// once the agent's grain has it (it puts it in the watch index the memory grains consult); with
    /// <paramref name="snapshot"/>, what the watch covers now follows as memory:updated marked snapshot.
    /// </summary>
    public async Task<Watching> Watch(string? key, string? prefix, bool watch, bool snapshot)
    {
        if (string.IsNullOrEmpty(key) == string.IsNullOrEmpty(prefix))
        {
            throw AgentChannelException.Invalid("key", "Give exactly one of 'key' or 'prefix'.");
        }
        var change = new MemoryWatch(key ?? prefix!, IsPrefix: key is null);
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            var keys = _interest.MemoryKeys.ToHashSet(StringComparer.Ordinal);
            var prefixes = _interest.MemoryPrefixes.ToHashSet(StringComparer.Ordinal);
            var set = change.IsPrefix ? prefixes : keys;
            _ = watch ? set.Add(change.Pattern) : set.Remove(change.Pattern);
            var interest = _interest with { MemoryKeys = [.. keys.Order(StringComparer.Ordinal)], MemoryPrefixes = [.. prefixes.Order(StringComparer.Ordinal)] };
            await _cluster.GetGrain<IAgentGrain>(AgentKey!).Connected(Id, _observer!, interest);
            _interest = interest;
        }
        finally
        {
            _interestGate.Release();
        }
        if (watch && snapshot)
        {
            await PushSnapshots([change]);
        }
        return new Watching(_interest.MemoryKeys, _interest.MemoryPrefixes);
    }

    /// <summary>Renews the connection with the agent's grain, with what it watches now.</summary>
    private async Task<AgentConnected> Renew(IAgentGrain grain, IInboxObserver observer)
    {
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            return await grain.Connected(Id, observer, _interest);
        }
        finally
        {
            _interestGate.Release();
        }
    }

    /// <summary>
    /// The periodic renewal: first the token is checked again, so a connection whose token stopped is closed even if
    /// the grain's <see cref="Revoked"/> never reached it (another gateway, a lost one-way call).
    /// </summary>
    private async Task<AgentConnected> RenewChecked(IAgentGrain grain, IInboxObserver observer)
    {
        await _interestGate.WaitAsync(_closing.Token);
        try
        {
            if (await grain.Authenticate(_token!) is null)
            {
                await Revoked(SessionEndings.Revoked, "the token is no longer valid");
                throw new OperationCanceledException();
            }
            return await grain.Connected(Id, observer, _interest);
        }
        finally
        {
            _interestGate.Release();
        }
    }

    /// <summary>The grain had lost this connection (its silo died): what the watches cover now, since live events may be lost.</summary>
    private Task PushSnapshots() => PushSnapshots(_interest.MemoryWatches);

    private async Task PushSnapshots(IEnumerable<MemoryWatch> watches)
    {
        await foreach (var snapshot in MemorySnapshots.Read(_cluster, Caller.Agent(AgentName!), watches))
        {
            Push(snapshot);
        }
    }

    private async Task HandleRegister(ClientFrame frame)
    {
        try
        {
            var (ack, startStreaming) = await Register(RealtimeRequests.Body<RegisterRequest>(frame.Data ?? default));
            await Reply(ServerFrame.Ack, frame.Id, ack);
            startStreaming();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            await Reply(ServerFrame.Error, frame.Id, Refusal(error, frame.Event!));
        }
    }

    private async Task<(RegisterAck Ack, Action StartStreaming)> Register(RegisterRequest request)
    {
        if (AgentName is not null)
        {
            throw AgentChannelException.Conflict($"This connection is already registered as '{AgentName}'.");
        }
        if (request.LastSeq < 0)
        {
            throw AgentChannelException.Invalid("last_seq", "'last_seq' cannot be negative.");
        }
        var token = request.Token ?? _headerToken;
        AgentInfo agent;
        string? newToken = null;
        if (token is not null)
        {
            var claimed = AgentTokens.ClaimedAgentName(token);
            agent = (claimed is null || !AgentNames.IsValid(claimed) ? null
                        : await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(claimed)).Authenticate(token))
                    ?? throw new AgentChannelException(ErrorKind.Unauthorized, "The token is not valid.");
            if (request.Name is not null && !AgentNames.Equal(request.Name, agent.Name))
            {
                throw AgentChannelException.Invalid("name", "The token belongs to another agent.");
            }
            if (request.Type is not null || request.Capabilities is not null || request.Metadata is not null)
            {
                // A profile update: what is not sent stays as it is.
                agent = (await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).Register(new AgentRegistration(
                    agent.Name, request.Type ?? agent.Type, request.Capabilities ?? agent.Capabilities,
                    request.Metadata ?? agent.Metadata), token)).Agent;
            }
        }
        else
        {
            var name = AgentNames.Require(request.Name, "name");
            var registered = await _cluster.GetGrain<IAgentGrain>(AgentNames.Key(name))
                .Register(new AgentRegistration(name, request.Type!, request.Capabilities, request.Metadata), null);
            agent = registered.Agent;
            newToken = registered.Token;
        }

        AgentName = agent.Name;
        _token = newToken ?? token;
        var grain = _cluster.GetGrain<IAgentGrain>(AgentKey!);
        // Register before reading the inbox: whatever is stored from here on also arrives live.
        var observer = _observer = _cluster.CreateObjectReference<IInboxObserver>(this);
        _gateway.ObserverCreated();
        _gateway.Track(this);
        _interest = LiveInterest.InboxOnly with { Presence = request.Presence ?? true };
        agent = (await Renew(grain, observer)).Agent;
        var position = await grain.GetInboxPosition();
        var replayFrom = Math.Min(request.LastSeq ?? position.AckedSeq, position.LastSeq);
        return (new RegisterAck(agent, newToken, position, replayFrom), () =>
        {
            _pump = Task.Run(() => Pump(grain, replayFrom));
            _renewal = Task.Run(() => InboxPump.RenewPresence(grain, () => RenewChecked(grain, observer), PushSnapshots, Push, _renewEvery,
                exception => LogRenewFailed(exception, Id), _closing.Token));
        });
    }

    /// <summary>The one writer of pushes: inbox replay first, then live events in sequence order, no gap, no repeat.</summary>
    private async Task Pump(IAgentGrain grain, long replayFrom)
    {
        try
        {
            await InboxPump.Pump(grain, replayFrom, _events.Reader,
                item => Send(new ServerFrame(item.Event, null, item.Seq, item.Data), item.TraceParent), _options.ReplayPageSize, _closing.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            LogPumpFailed(exception, Id);
            Close(WebSocketCloseStatus.InternalServerError, "delivery failed: reconnect and resume from your last acked seq");
        }
    }

    private async Task CloseUnlessRegistered()
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(_options.RegisterTimeoutSeconds), _closing.Token);
            if (AgentName is null)
            {
                Close(WebSocketCloseStatus.PolicyViolation, $"no {ClientEvents.Register} within {_options.RegisterTimeoutSeconds} s");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
