using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;
using Orleans.Concurrency;

namespace Orleans.AgentChannel.Messages;

// Reentrant: it holds no state, and without it each worker serves one call at a time while the silo keeps about one
// worker per core, so every send in the host queued behind two awaiting sends (bench: a ceiling of ~1,700 sends/s).
[StatelessWorker, Reentrant]
public sealed partial class MessagesGrain(
    IMessageLog log,
    MessageInterception interception,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<MessagesGrain> logger) : Grain, IMessagesGrain
{
    private const int MaxDraftsPerCall = 1000;

    public async Task<MessageInfo> Send(Caller caller, MessageDraft draft)
    {
        var (message, error) = (await SendAll(caller, [draft]))[0];
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
        return message!;
    }

    public async Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts) =>
        [.. (await SendAll(caller, drafts)).Select(outcome => outcome.Error switch
        {
            null => new SendOutcome(outcome.Message, null),
            AgentChannelException refused => new SendOutcome(null, refused),
            var failed => new SendOutcome(null, null, failed.Message),
        })];

    /// <summary>
    /// Each draft's own answer, true to what is stored: the message once it is stored (even if delivering it then
    /// failed: it stays owed and is delivered again), else why it was refused or what failed while storing it.
    /// </summary>
    private async Task<(MessageInfo? Message, Exception? Error)[]> SendAll(Caller caller, IReadOnlyList<MessageDraft> drafts)
    {
        if (drafts.Count > MaxDraftsPerCall)
        {
            // They share one transaction: a bound keeps one caller from holding the writer for long.
            throw AgentChannelException.TooLarge("drafts", $"At most {MaxDraftsPerCall} messages in one call.");
        }
        var outcomes = new (MessageInfo? Message, Exception? Error)[drafts.Count];
        // Accepted messages without a channel wait here to be stored and delivered together; a channel post
        // first flushes them, so the log keeps the order the drafts came in.
        var waiting = new List<(int Index, MessageInfo Message)>();
        var canonicalNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var index = 0; index < drafts.Count; index++)
        {
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
                    await StoreAndDeliver(waiting, outcomes);
                    // The channel's grain validates and intercepts it itself: it is the one owner of channel posts.
                    outcomes[index] = (await GrainFactory.GetGrain<IChannelGrain>(channel).Post(caller, drafts[index]), null);
                    continue;
                }
                IReadOnlyList<string> recipients = valid.Recipients.Count > 0
                    ? await CanonicalRecipients(valid.Recipients, canonicalNames)
                    : TaskParticipants(task!, caller);
                valid = await interception.Apply(caller, valid, recipients);
                waiting.Add((index, valid.ToMessage(caller.Name, recipients, clock.GetUtcNow())));
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
        await StoreAndDeliver(waiting, outcomes);
        return outcomes;
    }

    /// <summary>
    /// One write for all of them (each marked owed to its recipients' inboxes), then one inbox append per recipient
    /// with its messages in order. A delivery that fails leaves its messages owed: <see cref="MessageRedelivery"/>
    /// delivers them later, and the senders are still told they are stored, because they are.
    /// </summary>
    private async Task StoreAndDeliver(List<(int Index, MessageInfo Message)> waiting, (MessageInfo?, Exception?)[] outcomes)
    {
        if (waiting.Count == 0)
        {
            return;
        }
        var stored = await Store(waiting, outcomes);
        waiting.Clear();
        if (stored.Count == 0)
        {
            return;
        }
        try
        {
            await GrainFactory.DeliverMessages(stored);
        }
        catch (Exception exception)
        {
            LogDeliveryOwed(exception, stored.Count);
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
    /// stored fails alone (nothing of a failed write is kept, so writing the others again stores them once).
    /// </summary>
    private async Task<List<MessageInfo>> Store(List<(int Index, MessageInfo Message)> waiting, (MessageInfo?, Exception?)[] outcomes)
    {
        try
        {
            var together = await log.AppendAll([.. waiting.Select(item => item.Message)]);
            for (var i = 0; i < together.Count; i++)
            {
                outcomes[waiting[i].Index] = (together[i], null);
            }
            return [.. together];
        }
        catch (Exception exception) when (waiting.Count > 1)
        {
            LogStoringAlone(exception, waiting.Count);
        }
        var stored = new List<MessageInfo>(waiting.Count);
        foreach (var (index, message) in waiting)
        {
            try
            {
                var alone = (await log.AppendAll([message]))[0];
                outcomes[index] = (alone, null);
                stored.Add(alone);
            }
            catch (Exception failed)
            {
                LogDraftFailed(failed, message.Sender);
                outcomes[index] = (null, failed);
            }
        }
        return stored;
    }

    [LoggerMessage(LogLevel.Error, "A message from '{Sender}' could not be sent; the sender is told it was not stored")]
    private partial void LogDraftFailed(Exception exception, string sender);

    [LoggerMessage(LogLevel.Warning, "{Count} messages stored together failed as a batch; storing each on its own")]
    private partial void LogStoringAlone(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "Delivering {Count} stored messages failed; they stay owed and are delivered again")]
    private partial void LogDeliveryOwed(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "Publishing {Count} stored messages on the activity streams failed (console and event sinks miss them)")]
    private partial void LogActivityLost(Exception exception, int count);

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
