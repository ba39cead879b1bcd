using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Channels;

public sealed partial class ChannelGrain(
    [PersistentState("channel", ChannelStateStorage.Name)] IPersistentState<ChannelState> state,
    IMessageLog log,
    MessageInterception interception,
    IOptions<LimitsOptions> limits,
    IdempotencyLedger ledger,
    TimeProvider clock,
    ILogger<ChannelGrain> logger) : Grain, IChannelGrain
{
    private long _sequence;

    /// <summary>
    /// The channel as last stored (members, creation): what <see cref="Get"/> answers, with the log's sequence as it
    /// stands. A join changes the memory and then stores it, and <see cref="IChannelGrain.Get"/> interleaves with that
    /// write, so a read of the memory could show a member whose join the write then refuses. Null while not stored.
    /// </summary>
    private ChannelInfo? _stored;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The log is the truth for the sequence; storing it in state would cost a state write per message.
        _sequence = await log.LastChannelSequence(Name);
        _stored = state.State.Created ? Info() : null;
    }

    // A join or leave that changes nothing stores nothing, so its key is not remembered: a repeat is answered afresh.
    public async Task<ChannelInfo> Join(Caller caller, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "channel:join");
        if (ledger.TryReplay<ChannelInfo>(state.State.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        AgentNames.Require(Name, "channel");
        if (caller.IsOperator)
        {
            throw AgentChannelException.Invalid("caller", "The operator watches channels without joining them.");
        }
        if (!IsMember(caller.Name))
        {
            await AddMember(caller.Name, keyed);
        }
        return Info();
    }

    public async Task<ChannelInfo> Leave(Caller caller, IdempotencyKey? idempotencyKey = null)
    {
        var keyed = KeyedWrite.Of(caller, idempotencyKey, "channel:leave");
        if (ledger.TryReplay<ChannelInfo>(state.State.Idempotency, keyed, out var replayed))
        {
            return replayed;
        }
        RequireCreated();
        if (state.State.Members.RemoveAll(member => AgentNames.Equal(member, caller.Name)) > 0)
        {
            await SaveAsync(keyed);
        }
        return Info();
    }

    public async Task ForgetRetired(string agentName)
    {
        if (state.State.Members.RemoveAll(member => AgentNames.Equal(member, agentName)) > 0)
        {
            await SaveAsync();
        }
    }

    public Task<ChannelInfo> Get() => Task.FromResult(
        (_stored ?? throw NotFound()) with { MessageSequence = _sequence });

    public async Task<MessageInfo> Post(Caller caller, MessageDraft draft, IdempotencyKey? idempotencyKey = null)
    {
        // A keyed post is a log row with the id its sender and key give, so the log's insert finds a repeat
        // (KeyedMessageExistsException) and a first post pays no read. Looked up first only where going on would change
        // something or refuse it: a sender who is no longer a member (the post would make it one again), and a post the
        // checks now refuse (a repeat still gets the stored message).
        var keyed = idempotencyKey is { } key
            ? new KeyedPost(key, key.DerivedId(KeyedIds.Message, caller), KeyedWrite.Hash("message:send", draft))
            : null;
        if (keyed is not null && !caller.IsOperator && !IsMember(caller.Name) && await RepeatOf(keyed) is { } repeatOfLeaver)
        {
            return repeatOfLeaver;
        }
        MessageRules.ValidDraft valid;
        try
        {
            var checkedDraft = MessageRules.Validate(draft with { Channel = Name }, limits.Value);
            await Artifacts.ArtifactIds.RequireReadable(GrainFactory, caller, checkedDraft.Artifacts);
            valid = await interception.Apply(caller, checkedDraft, recipients: []);
        }
        catch (AgentChannelException) when (keyed is not null)
        {
            if (await RepeatOf(keyed) is { } repeatOfRefused)
            {
                return repeatOfRefused;
            }
            throw;
        }
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
        var members = InboxFanOut.InboxKeys(state.State.Members.Where(member => !AgentNames.Equal(member, caller.Name))).ToList();
        var message = valid.ToMessage(caller.Name, [], clock.GetUtcNow());
        MessageInfo stored;
        try
        {
            stored = await log.Append(keyed is null ? message : message with { Id = keyed.Id }, sequence, members, keyed?.RequestHash);
        }
        catch (KeyedMessageExistsException) when (keyed is not null)
        {
            return await RepeatOf(keyed) ?? throw new InvalidOperationException($"Message {keyed.Id} was refused as stored, yet it cannot be read.");
        }
        _sequence = sequence;
        try
        {
            // One Deliver per member, all at once (InboxFanOut), awaited so that the next post of this channel reaches
            // each inbox after this one: Orleans does not keep two calls to one agent grain in order.
            await GrainFactory.DeliverMessage(stored, members);
        }
        catch (Exception exception)
        {
            LogDeliveryOwed(exception, Name, stored.Sequence);
        }
        try
        {
            var published = new AgentEvent(EventNames.MessageReceived, null, RawJson.Serialize(stored, AgentChannelJson.Options));
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

    [LoggerMessage(LogLevel.Warning, "Publishing post {Sequence} of channel '{Channel}' on the activity stream failed (console and event sinks miss it)")]
    private partial void LogActivityLost(Exception exception, string channel, long sequence);

    /// <summary>The post a keyed post repeats, when the log holds one; a mismatch when its key was used for another post.</summary>
    private async Task<MessageInfo?> RepeatOf(KeyedPost keyed) =>
        await log.FindKeyed([keyed.Id]) is [var repeat, ..]
            ? repeat.RequestHash == keyed.RequestHash ? repeat.Message : throw AgentChannelException.IdempotencyMismatch(keyed.Key.Value)
            : null;

    private sealed record KeyedPost(IdempotencyKey Key, Guid Id, string RequestHash);

    private bool IsMember(string name) => state.State.Members.Exists(member => AgentNames.Equal(member, name));

    private async Task AddMember(string name, KeyedWrite? keyed = null)
    {
        if (state.State.Members.Count >= limits.Value.MaxChannelMembers)
        {
            throw AgentChannelException.Invalid("channel",
                $"Channel '{Name}' has {state.State.Members.Count} members, the most a channel may have; '{name}' cannot join it.");
        }
        MarkCreated();
        state.State.Members.Add(name);
        await SaveAsync(keyed);
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

    /// <summary>
    /// The state (with a keyed write's answer) and the channel's row, one transaction (<see cref="ChannelStateStorage"/>).
    /// </summary>
    private async Task SaveAsync(KeyedWrite? keyed = null)
    {
        ledger.Record(state.State.Idempotency, keyed, Info());
        await state.WriteOrRestore(DeactivateOnIdle);
        _stored = Info();
    }

    private void RequireCreated()
    {
        if (!state.State.Created)
        {
            throw NotFound();
        }
    }

    private AgentChannelException NotFound() => AgentChannelException.NotFound($"No channel named '{Name}'.");

    private ChannelInfo Info() => new(Name, [.. state.State.Members], _sequence, state.State.CreatedAt);
}
