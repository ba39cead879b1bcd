using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Channels;

public sealed partial class ChannelGrain(
    [PersistentState("channel", AgentChannelStorage.Name)] IPersistentState<ChannelState> state,
    IChannelIndex index,
    IMessageLog log,
    MessageInterception interception,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain
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
        // Owed to the members of this moment, in the same write as the post: a failed delivery is made good later
        // (MessageRedelivery), so the post is answered as stored once it is.
        var members = InboxDelivery.InboxKeys(state.State.Members.Where(member => !AgentNames.Equal(member, caller.Name))).ToList();
        var stored = await log.Append(valid.ToMessage(caller.Name, [], clock.GetUtcNow()), sequence, members);
        _sequence = sequence;
        try
        {
            await GrainFactory.DeliverMessage(stored, members);
        }
        catch (Exception exception)
        {
            LogDeliveryOwed(exception, Name, stored.Sequence);
        }
        try
        {
            var published = new AgentEvent(EventNames.MessageReceived, null, RawJson.Serialize(stored, AgentChannelJson.Options));
            await this.Stream(AgentChannelStreams.ForChannel(Name)).OnNextAsync(published);
            await this.Stream(AgentChannelStreams.ActivityOf(this.GetPrimaryKeyString())).OnNextAsync(published);
        }
        catch (Exception exception)
        {
            LogActivityLost(exception, Name, stored.Sequence);
        }
        return stored;
    }

    [LoggerMessage(LogLevel.Warning, "Delivering post {Sequence} of channel '{Channel}' failed; it stays owed and is delivered again")]
    private partial void LogDeliveryOwed(Exception exception, string channel, long sequence);

    [LoggerMessage(LogLevel.Warning, "Publishing post {Sequence} of channel '{Channel}' on its streams failed (console and event sinks miss it)")]
    private partial void LogActivityLost(Exception exception, string channel, long sequence);

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

    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        await index.Upsert(Info());
    }

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
