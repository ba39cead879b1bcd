using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
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
public sealed partial class MessagesGrain(
    IMessageLog log,
    IAgentIndex agents,
    MessageInterception interception,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<MessagesGrain> logger) : Grain, IMessagesGrain
{
    private const int MaxDraftsPerCall = 1000;

    /// <summary>Tries at delivering just-stored messages before they are left to <see cref="MessageRedelivery"/>.</summary>
    private const int DeliveryAttempts = 3;

    public async Task<MessageInfo> Send(Caller caller, MessageDraft draft, IdempotencyKey? idempotencyKey = null)
    {
        var (message, error) = (await SendAll(caller, [draft], idempotencyKey is null ? null : [idempotencyKey]))[0];
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
        return message!;
    }

    public async Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts,
        IReadOnlyList<IdempotencyKey?>? idempotencyKeys = null) =>
        [.. (await SendAll(caller, drafts, idempotencyKeys)).Select(outcome => outcome.Error switch
        {
            null => new SendOutcome(outcome.Message, null),
            // Refused, or not stored for a reason that passes (unavailable: send it again, with its key).
            var error when TransientFaults.DomainErrorOf(error) is { } refused => new SendOutcome(null, refused),
            var failed => new SendOutcome(null, null, failed.Message),
        })];

    /// <summary>
    /// Each draft's own answer, true to what is stored: the message once it is stored (even if delivering it then
    /// failed: it stays owed and is delivered again), else why it was refused or what failed while storing it.
    /// </summary>
    private async Task<(MessageInfo? Message, Exception? Error)[]> SendAll(Caller caller, IReadOnlyList<MessageDraft> drafts,
        IReadOnlyList<IdempotencyKey?>? idempotencyKeys)
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
        var outcomes = new (MessageInfo? Message, Exception? Error)[drafts.Count];
        // A keyed send is not looked up first: its id is derived from its key, so the log's insert finds a repeat
        // (KeyedMessageExistsException, answered from the row in Store) and a first send pays no read.
        var keyed = KeyedSends(caller, drafts, idempotencyKeys);
        // Accepted messages without a channel wait here to be stored and delivered together; a channel post
        // first flushes them, so the log keeps the order the drafts came in.
        var waiting = new List<(int Index, MessageInfo Message)>();
        var canonicalNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var roleRecipients = new Dictionary<MessageRules.RoleAddress, IReadOnlyList<string>>();
        for (var index = 0; index < drafts.Count; index++)
        {
            if (Answered(outcomes[index]) || keyed[index]?.SameKeyAs is not null)
            {
                continue;
            }
            try
            {
                var valid = MessageRules.Validate(drafts[index], limits.Value);
                if (valid.Channel is null)
                {
                    await Artifacts.ArtifactIds.RequireReadable(GrainFactory, caller, valid.Artifacts);
                }
                TaskInfo? task = null;
                if (valid.TaskId is { } taskId)
                {
                    task = await GrainFactory.GetGrain<ITaskGrain>(taskId).Get();
                }
                if (valid.Channel is { } channel)
                {
                    await StoreAndDeliver(waiting, outcomes, keyed);
                    // The channel's grain validates and intercepts it itself: it is the one owner of channel posts.
                    outcomes[index] = (await GrainFactory.GetGrain<IChannelGrain>(channel).Post(caller, drafts[index], idempotencyKeys?[index]), null);
                    continue;
                }
                IReadOnlyList<string> recipients = valid switch
                {
                    { Recipients.Count: > 0 } => await CanonicalRecipients(valid.Recipients, canonicalNames),
                    { Role: { } role } => await RoleRecipientsOf(role, caller, roleRecipients),
                    _ => TaskParticipants(task!, caller),
                };
                valid = await interception.Apply(caller, valid, recipients);
                var message = valid.ToMessage(caller.Name, recipients, clock.GetUtcNow());
                waiting.Add((index, keyed[index] is { } send ? message with { Id = send.Id } : message));
            }
            catch (AgentChannelException refused)
            {
                outcomes[index] = (null, refused);
            }
            catch (Exception failed)
            {
                LogDraftFailed(failed, caller.Name);
                outcomes[index] = (null, failed);
            }
        }
        await StoreAndDeliver(waiting, outcomes, keyed);
        // A repeat that would be refused now (its recipient retired, its task gone since) was accepted the first time:
        // it gets the stored message. Looked up only for refused keyed drafts, so an accepted send pays no read.
        await AnswerRepeats(keyed, outcomes, Enumerable.Range(0, drafts.Count).Where(index => outcomes[index].Error is AgentChannelException));
        for (var index = 0; index < drafts.Count; index++)
        {
            // The same key twice in one call: the second is a repeat of the first.
            if (keyed[index] is { SameKeyAs: { } first } repeat)
            {
                outcomes[index] = repeat.RequestHash == keyed[first]!.RequestHash
                    ? outcomes[first]
                    : (null, AgentChannelException.IdempotencyMismatch(repeat.Key));
            }
        }
        return outcomes;
    }

    private static bool Answered((MessageInfo? Message, Exception? Error) outcome) => outcome.Message is not null || outcome.Error is not null;

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
    /// the stored message (whatever inbox the first attempt did not reach yet, the outbox still owes it; delivering it now
    /// stores it once), another request with that key is idempotency_mismatch.
    /// </summary>
    private async Task AnswerRepeats(KeyedSend?[] keyed, (MessageInfo? Message, Exception? Error)[] outcomes, IEnumerable<int> indexes)
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
                outcomes[index] = (null, AgentChannelException.IdempotencyMismatch(keyed[index]!.Key));
                continue;
            }
            outcomes[index] = (stored.Message, null);
            if (stored.Message.Channel is null)
            {
                again.Add(stored.Message);
            }
        }
        if (again.Count > 0)
        {
            try
            {
                await GrainFactory.DeliverMessages(again);
            }
            catch (Exception exception)
            {
                LogDeliveryOwed(exception, again.Count);
            }
        }
    }

    /// <summary>
    /// One write for all of them (each marked owed to its recipients' inboxes), then one inbox append per recipient
    /// with its messages in order. A delivery that fails leaves its messages owed: <see cref="MessageRedelivery"/>
    /// delivers them later, and the senders are still told they are stored, because they are.
    /// </summary>
    private async Task StoreAndDeliver(List<(int Index, MessageInfo Message)> waiting, (MessageInfo?, Exception?)[] outcomes, KeyedSend?[] keyed)
    {
        if (waiting.Count == 0)
        {
            return;
        }
        using var span = AgentChannelTracing.Grains.StartActivity("messages store");
        var stored = await Store(waiting, outcomes, keyed);
        waiting.Clear();
        span?.SetTag(AgentChannelTracing.CountTag, stored.Count)
            .SetTag(AgentChannelTracing.MessageIdTag, stored.Select(message => message.Id.ToString()).ToArray())
            .SetTag(AgentChannelTracing.SiloTag, RuntimeIdentity);
        if (stored.Count == 0)
        {
            return;
        }
        // A few quick tries first: left to redelivery, a message reaches its inbox only after later ones from the same
        // sender that were delivered at once (stored once either way; appends are idempotent).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await GrainFactory.DeliverMessages(stored);
                break;
            }
            catch (Exception exception) when (attempt < DeliveryAttempts)
            {
                LogDeliveryRetried(exception, stored.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
            catch (Exception exception)
            {
                LogDeliveryOwed(exception, stored.Count);
                break;
            }
        }
        try
        {
            await this.PublishActivities(EventNames.MessageReceived, stored, message => AgentNames.Key(message.Sender));
        }
        catch (Exception exception)
        {
            LogActivityLost(exception, stored.Count);
        }
    }

    /// <summary>
    /// Stores the waiting messages together; if that fails, each on its own in order, so a message that cannot be
    /// stored fails alone (nothing of a failed write is kept, so writing the others again stores them once). A keyed
    /// message another attempt of the same send stored meanwhile (a client retrying while its first try still ran) is
    /// answered from the log.
    /// </summary>
    private async Task<List<MessageInfo>> Store(List<(int Index, MessageInfo Message)> waiting, (MessageInfo?, Exception?)[] outcomes, KeyedSend?[] keyed)
    {
        try
        {
            var together = await log.AppendAll([.. waiting.Select(item => item.Message)], HashesOf(waiting, keyed));
            for (var i = 0; i < together.Count; i++)
            {
                outcomes[waiting[i].Index] = (together[i], null);
            }
            return [.. together];
        }
        catch (KeyedMessageExistsException)
        {
            await AnswerRepeats(keyed, outcomes, waiting.Select(item => item.Index));
            var rest = waiting.Where(item => !Answered(outcomes[item.Index])).ToList();
            if (rest.Count < waiting.Count)
            {
                return rest.Count == 0 ? [] : await Store(rest, outcomes, keyed);
            }
        }
        catch (Exception exception) when (waiting.Count > 1)
        {
            LogStoringAlone(exception, waiting.Count);
        }
        var stored = new List<MessageInfo>(waiting.Count);
        foreach (var item in waiting)
        {
            try
            {
                var alone = (await log.AppendAll([item.Message], HashesOf([item], keyed)))[0];
                outcomes[item.Index] = (alone, null);
                stored.Add(alone);
            }
            catch (KeyedMessageExistsException)
            {
                await AnswerRepeats(keyed, outcomes, [item.Index]);
            }
            catch (Exception failed)
            {
                LogDraftFailed(failed, item.Message.Sender);
                outcomes[item.Index] = (null, failed);
            }
        }
        return stored;
    }

    private static List<string?>? HashesOf(List<(int Index, MessageInfo Message)> waiting, KeyedSend?[] keyed) =>
        waiting.Any(item => keyed[item.Index] is not null) ? [.. waiting.Select(item => keyed[item.Index]?.RequestHash)] : null;

    [LoggerMessage(LogLevel.Error, "A message from '{Sender}' could not be sent; the sender is told it was not stored")]
    private partial void LogDraftFailed(Exception exception, string sender);

    [LoggerMessage(LogLevel.Warning, "{Count} messages stored together failed as a batch; storing each on its own")]
    private partial void LogStoringAlone(Exception exception, int count);

    [LoggerMessage(LogLevel.Information, "Delivering {Count} stored messages failed (attempt {Attempt}); trying again")]
    private partial void LogDeliveryRetried(Exception exception, int count, int attempt);

    [LoggerMessage(LogLevel.Warning, "Delivering {Count} stored messages failed; they stay owed and are delivered again")]
    private partial void LogDeliveryOwed(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "Publishing {Count} stored messages on the activity streams failed (console and event sinks miss them)")]
    private partial void LogActivityLost(Exception exception, int count);

    // The history rule (who reads what) is the log's query over the reader's key: IMessageLog.Get, List, Search.
    public async Task<MessageInfo> Get(Caller caller, Guid id) =>
        await log.Get(id, Reader(caller)) ?? throw AgentChannelException.NotFound($"No message with id {id}.");

    public Task<MessagePage> List(Caller caller, MessageQuery query) =>
        log.List(query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) }, Reader(caller));

    public Task<MessageSearchPage> Search(Caller caller, string text, MessageQuery query) =>
        log.Search(Storage.SearchText.Parse(text), query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) }, Reader(caller));

    /// <summary>Whose history the caller reads: an agent its own, the operator every message (null).</summary>
    private static string? Reader(Caller caller) => caller.IsOperator ? null : AgentNames.Key(caller.Name);

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
            throw await AgentLookup.Missing(GrainFactory, missing[0],
                $"No agent named {string.Join(", ", missing.Select(name => $"'{name}'"))} (recipients).");
        }
        for (var i = 0; i < unknown.Count; i++)
        {
            known[unknown[i]] = agents[i]!.Name;
        }
        return names.Select(name => known[name]).ToList();
    }

    /// <summary>
    /// The agents a capability address reaches (<see cref="RoleRecipients"/>), resolved once per call: drafts sent
    /// together to the same address go to the same agents.
    /// </summary>
    private async Task<IReadOnlyList<string>> RoleRecipientsOf(MessageRules.RoleAddress role, Caller caller,
        Dictionary<MessageRules.RoleAddress, IReadOnlyList<string>> resolved)
    {
        if (!resolved.TryGetValue(role, out var recipients))
        {
            recipients = await RoleRecipients.Resolve(agents, role, caller, limits.Value.MaxRecipients);
            resolved[role] = recipients;
        }
        return recipients;
    }

    /// <summary>A message in a task's thread reaches its creator and assignee, never echoing the sender.</summary>
    private static List<string> TaskParticipants(TaskInfo task, Caller sender) =>
        new[] { task.Creator, task.AssignedTo }
            .OfType<string>()
            .Where(name => !AgentNames.Equal(name, sender.Name) && !AgentNames.Equal(name, Caller.OperatorName))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
}
