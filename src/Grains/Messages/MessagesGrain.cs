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
public sealed class MessagesGrain(IMessageLog log, MessageInterception interception, IOptions<LimitsOptions> limits, TimeProvider clock)
    : Grain, IMessagesGrain
{
    private const int MaxDraftsPerCall = 1000;

    public async Task<MessageInfo> Send(Caller caller, MessageDraft draft)
    {
        var outcome = (await SendMany(caller, [draft]))[0];
        return outcome.Message ?? throw outcome.Error!;
    }

    public async Task<IReadOnlyList<SendOutcome>> SendMany(Caller caller, IReadOnlyList<MessageDraft> drafts)
    {
        if (drafts.Count > MaxDraftsPerCall)
        {
            // They share one transaction: a bound keeps one caller from holding the writer for long.
            throw AgentChannelException.TooLarge("drafts", $"At most {MaxDraftsPerCall} messages in one call.");
        }
        var outcomes = new SendOutcome[drafts.Count];
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
                    outcomes[index] = new SendOutcome(await GrainFactory.GetGrain<IChannelGrain>(channel).Post(caller, drafts[index]), null);
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
                outcomes[index] = new SendOutcome(null, refused);
            }
        }
        await StoreAndDeliver(waiting, outcomes);
        return outcomes;
    }

    /// <summary>One write for all of them, then one inbox append per recipient with its messages in order.</summary>
    private async Task StoreAndDeliver(List<(int Index, MessageInfo Message)> waiting, SendOutcome[] outcomes)
    {
        if (waiting.Count == 0)
        {
            return;
        }
        var stored = await log.AppendAll(waiting.Select(item => item.Message).ToList());
        await GrainFactory.DeliverMessages(stored);
        for (var i = 0; i < stored.Count; i++)
        {
            outcomes[waiting[i].Index] = new SendOutcome(stored[i], null);
        }
        await this.PublishActivities(EventNames.MessageReceived, stored, message => AgentNames.Key(message.Sender));
        waiting.Clear();
    }

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
