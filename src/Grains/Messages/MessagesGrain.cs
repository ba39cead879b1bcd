using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Tasks;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Messages;

// Reentrant: it holds no state, and without it each worker serves one call at a time while the silo keeps about one
// worker per core, so every send in the host queued behind two awaiting sends (bench: a ceiling of ~1,700 sends/s).
[StatelessWorker, Reentrant]
public sealed class MessagesGrain(IMessageLog log, MessageInterception interception, IOptions<LimitsOptions> limits, TimeProvider clock)
    : Grain, IMessagesGrain
{
    private const int MaxDraftsPerCall = 1000;

    public async Task<MessageInfo> Send(Caller caller, MessageDraft draft, IdempotencyKey? idempotencyKey = null)
    {
        var outcome = (await SendMany(caller, [draft], idempotencyKey is null ? null : [idempotencyKey]))[0];
        return outcome.Message ?? throw outcome.Error!;
    }

    public async Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts,
        IReadOnlyList<IdempotencyKey?>? idempotencyKeys = null)
    {
        if (drafts.Count > MaxDraftsPerCall)
        {
            // They share one transaction: a bound keeps one caller from holding the writer for long.
            throw AgentChannelException.TooLarge("drafts", $"At most {MaxDraftsPerCall} messages in one call.");
        }
        if (idempotencyKeys is not null && idempotencyKeys.Count != drafts.Count)
        {
            throw AgentChannelException.Invalid(IdempotencyKey.Field, "One idempotency key (or none) per message.");
        }
        var outcomes = new SendOutcome?[drafts.Count];
        var keyed = KeyedSends(caller, drafts, idempotencyKeys);
        // A repeat of a send already stored is answered from the log and goes no further.
        await AnswerRepeats(keyed, outcomes, Enumerable.Range(0, drafts.Count));
        // Accepted messages without a channel wait here to be stored and delivered together; a channel post
        // first flushes them, so the log keeps the order the drafts came in.
        var waiting = new List<(int Index, MessageInfo Message)>();
        var canonicalNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var index = 0; index < drafts.Count; index++)
        {
            if (outcomes[index] is not null || keyed[index]?.SameKeyAs is not null)
            {
                continue;
            }
            try
            {
                var valid = MessageRules.Validate(drafts[index], limits.Value);
                TaskInfo? task = null;
                if (valid.TaskId is { } taskId)
                {
                    task = await GrainFactory.GetGrain<ITaskGrain>(taskId).Get();
                }
                if (valid.Channel is { } channel)
                {
                    await StoreAndDeliver(waiting, outcomes, keyed);
                    // The channel's grain validates and intercepts it itself: it is the one owner of channel posts.
                    outcomes[index] = new SendOutcome(
                        await GrainFactory.GetGrain<IChannelGrain>(channel).Post(caller, drafts[index], idempotencyKeys?[index]), null);
                    continue;
                }
                IReadOnlyList<string> recipients = valid.Recipients.Count > 0
                    ? await CanonicalRecipients(valid.Recipients, canonicalNames)
                    : TaskParticipants(task!, caller);
                valid = await interception.Apply(caller, valid, recipients);
                var message = valid.ToMessage(caller.Name, recipients, clock.GetUtcNow());
                waiting.Add((index, keyed[index] is { } send ? message with { Id = send.Id } : message));
            }
            catch (AgentChannelException refused)
            {
                outcomes[index] = new SendOutcome(null, refused);
            }
        }
        await StoreAndDeliver(waiting, outcomes, keyed);
        for (var index = 0; index < drafts.Count; index++)
        {
            // The same key twice in one call: the second is a repeat of the first.
            if (keyed[index] is { SameKeyAs: { } first } repeat)
            {
                outcomes[index] = repeat.RequestHash == keyed[first]!.RequestHash
                    ? outcomes[first]
                    : new SendOutcome(null, AgentChannelException.IdempotencyMismatch(repeat.Key));
            }
        }
        return outcomes!;
    }

    /// <summary>A draft sent with a key: the message id its sender and key give, the request's hash, and an earlier draft of this call with the same key.</summary>
    private sealed record KeyedSend(Guid Id, string Key, string RequestHash, int? SameKeyAs);

    private static KeyedSend?[] KeyedSends(Caller caller, IReadOnlyList<MessageDraft> drafts, IReadOnlyList<IdempotencyKey?>? keys)
    {
        var sends = new KeyedSend?[drafts.Count];
        if (keys is null)
        {
            return sends;
        }
        var firstOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < drafts.Count; index++)
        {
            if (keys[index] is not { } key)
            {
                continue;
            }
            int? first = firstOfKey.TryGetValue(key.Value, out var earlier) ? earlier : null;
            firstOfKey.TryAdd(key.Value, index);
            sends[index] = new KeyedSend(key.DerivedId(KeyedIds.Message, caller), key.Value, KeyedWrite.Hash("message:send", drafts[index]), first);
        }
        return sends;
    }

    /// <summary>
    /// Answers the keyed drafts among <paramref name="indexes"/> whose message is in the log already: the same request gets
    /// the stored message (delivered again, stored once per inbox by its delivery key, in case the first attempt stopped
    /// before every inbox had it); another request with that key is idempotency_mismatch.
    /// </summary>
    private async Task AnswerRepeats(KeyedSend?[] keyed, SendOutcome?[] outcomes, IEnumerable<int> indexes)
    {
        var asked = indexes.Where(index => keyed[index] is { SameKeyAs: null }).ToList();
        if (asked.Count == 0)
        {
            return;
        }
        var found = (await log.FindKeyed([.. asked.Select(index => keyed[index]!.Id)])).ToDictionary(stored => stored.Message.Id);
        var again = new List<MessageInfo>();
        foreach (var index in asked)
        {
            if (!found.TryGetValue(keyed[index]!.Id, out var stored))
            {
                continue;
            }
            if (stored.RequestHash != keyed[index]!.RequestHash)
            {
                outcomes[index] = new SendOutcome(null, AgentChannelException.IdempotencyMismatch(keyed[index]!.Key));
                continue;
            }
            outcomes[index] = new SendOutcome(stored.Message, null);
            if (stored.Message.Channel is null)
            {
                again.Add(stored.Message);
            }
        }
        if (again.Count > 0)
        {
            await GrainFactory.DeliverMessages(again, again.Select(message => message.Id).ToHashSet());
        }
    }

    /// <summary>One write for all of them, then one inbox append per recipient with its messages in order.</summary>
    private async Task StoreAndDeliver(List<(int Index, MessageInfo Message)> waiting, SendOutcome?[] outcomes, KeyedSend?[] keyed)
    {
        if (waiting.Count == 0)
        {
            return;
        }
        IReadOnlyList<MessageInfo> stored;
        try
        {
            stored = await log.AppendAll([.. waiting.Select(item => item.Message)], HashesOf(waiting, keyed));
        }
        catch (KeyedMessageExistsException)
        {
            // Another attempt of one of these sends stored it meanwhile (a client retrying while its first try still ran):
            // answer those from the log and store the rest.
            await AnswerRepeats(keyed, outcomes, waiting.Select(item => item.Index));
            if (waiting.RemoveAll(item => outcomes[item.Index] is not null) == 0)
            {
                throw;
            }
            if (waiting.Count == 0)
            {
                return;
            }
            stored = await log.AppendAll([.. waiting.Select(item => item.Message)], HashesOf(waiting, keyed));
        }
        var keyedIds = waiting.Where(item => keyed[item.Index] is not null).Select(item => item.Message.Id).ToHashSet();
        await GrainFactory.DeliverMessages(stored, keyedIds.Count > 0 ? keyedIds : null);
        for (var i = 0; i < stored.Count; i++)
        {
            outcomes[waiting[i].Index] = new SendOutcome(stored[i], null);
        }
        await this.PublishActivities(EventNames.MessageReceived, stored, message => AgentNames.Key(message.Sender));
        waiting.Clear();
    }

    private static List<string?>? HashesOf(List<(int Index, MessageInfo Message)> waiting, KeyedSend?[] keyed) =>
        waiting.Any(item => keyed[item.Index] is not null) ? [.. waiting.Select(item => keyed[item.Index]?.RequestHash)] : null;

    public async Task<MessageInfo> Get(Guid id) =>
        await log.Get(id) ?? throw AgentChannelException.NotFound($"No message with id {id}.");

    public Task<MessagePage> List(MessageQuery query) =>
        log.List(query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) });

    /// <summary>
    /// Every recipient must be registered; names come back as the agents spell them. <paramref name="known"/>
    /// keeps the names already found for the drafts sent together.
    /// </summary>
    private async Task<IReadOnlyList<string>> CanonicalRecipients(IReadOnlyList<string> names, Dictionary<string, string> known)
    {
        var unknown = names.Where(name => !known.ContainsKey(name)).ToList();
        var agents = await Task.WhenAll(unknown.Select(name => GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get()));
        var missing = unknown.Where((_, index) => agents[index] is null).ToList();
        if (missing.Count > 0)
        {
            throw AgentChannelException.NotFound($"No agent named {string.Join(", ", missing.Select(name => $"'{name}'"))} (recipients).");
        }
        for (var i = 0; i < unknown.Count; i++)
        {
            known[unknown[i]] = agents[i]!.Name;
        }
        return names.Select(name => known[name]).ToList();
    }

    /// <summary>A message in a task's thread reaches its creator and assignee, never echoing the sender.</summary>
    private static List<string> TaskParticipants(TaskInfo task, Caller sender) =>
        new[] { task.Creator, task.AssignedTo }
            .OfType<string>()
            .Where(name => !AgentNames.Equal(name, sender.Name) && !AgentNames.Equal(name, Caller.OperatorName))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
}
