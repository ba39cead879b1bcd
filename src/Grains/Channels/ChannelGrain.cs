using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Channels;

public sealed class ChannelGrain(
    [PersistentState("channel", ChannelStateStorage.Name)] IPersistentState<ChannelState> state,
    IMessageLog log,
    MessageInterception interception,
    IOptions<LimitsOptions> limits,
    TimeProvider clock) : Grain, IChannelGrain
{
    private long _sequence;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The log is the truth for the sequence; storing it in state would cost a state write per message.
        _sequence = await log.LastChannelSequence(Name);
    }

    public async Task<ChannelInfo> Join(Caller caller)
    {
        AgentNames.Require(Name, "channel");
        if (caller.IsOperator)
        {
            throw AgentChannelException.Invalid("caller", "The operator watches channels without joining them.");
        }
        if (!IsMember(caller.Name))
        {
            await AddMember(caller.Name);
        }
        return Info();
    }

    public async Task<ChannelInfo> Leave(Caller caller)
    {
        RequireCreated();
        if (state.State.Members.RemoveAll(member => AgentNames.Equal(member, caller.Name)) > 0)
        {
            await SaveAsync();
        }
        return Info();
    }

    public Task<ChannelInfo> Get()
    {
        RequireCreated();
        return Task.FromResult(Info());
    }

    public async Task<MessageInfo> Post(Caller caller, MessageDraft draft)
    {
        var valid = await interception.Apply(caller, MessageRules.Validate(draft with { Channel = Name }, limits.Value), recipients: []);
        if (caller.IsOperator)
        {
            // The operator steers from outside: posting creates the channel but never makes it a member.
            await EnsureCreated();
        }
        else if (!IsMember(caller.Name))
        {
            await AddMember(caller.Name);
        }
        var sequence = _sequence + 1;
        var stored = await log.Append(valid.ToMessage(caller.Name, [], clock.GetUtcNow()), sequence);
        _sequence = sequence;
        await GrainFactory.DeliverMessage(stored, state.State.Members.Where(member => !AgentNames.Equal(member, caller.Name)));
        var published = new AgentEvent(EventNames.MessageReceived, null, RawJson.Serialize(stored, AgentChannelJson.Options));
        await this.Stream(AgentChannelStreams.ForChannel(Name)).OnNextAsync(published);
        await this.Stream(AgentChannelStreams.ActivityOf(this.GetPrimaryKeyString())).OnNextAsync(published);
        return stored;
    }

    private bool IsMember(string name) => state.State.Members.Exists(member => AgentNames.Equal(member, name));

    private async Task AddMember(string name)
    {
        MarkCreated();
        state.State.Members.Add(name);
        await SaveAsync();
    }

    private async Task EnsureCreated()
    {
        if (!state.State.Created)
        {
            MarkCreated();
            await SaveAsync();
        }
    }

    private void MarkCreated()
    {
        if (!state.State.Created)
        {
            state.State.Created = true;
            state.State.CreatedAt = clock.GetUtcNow();
        }
    }

    /// <summary>The state and the channel's row, one transaction (<see cref="ChannelStateStorage"/>).</summary>
    private Task SaveAsync() => state.WriteOrRestore(DeactivateOnIdle);

    private void RequireCreated()
    {
        if (!state.State.Created)
        {
            throw AgentChannelException.NotFound($"No channel named '{Name}'.");
        }
    }

    private ChannelInfo Info() => new(Name, [.. state.State.Members], _sequence, state.State.CreatedAt);
}

[Orleans.Concurrency.StatelessWorker]
public sealed class ChannelDirectoryGrain(IChannelIndex index) : Grain, IChannelDirectoryGrain
{
    public Task<IReadOnlyList<ChannelSummary>> List() => index.List();
}
