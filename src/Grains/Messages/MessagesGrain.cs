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
    public async Task<MessageInfo> Send(Caller caller, MessageDraft draft)
    {
        var valid = MessageRules.Validate(draft, limits.Value);
        TaskInfo? task = null;
        if (valid.TaskId is { } taskId)
        {
            task = await GrainFactory.GetGrain<ITaskGrain>(taskId).Get();
        }
        if (valid.Channel is { } channel)
        {
            // The channel's grain validates and intercepts it itself: it is the one owner of channel posts.
            return await GrainFactory.GetGrain<IChannelGrain>(channel).Post(caller, draft);
        }

        IReadOnlyList<string> recipients = valid.Recipients.Count > 0
            ? await CanonicalRecipients(valid.Recipients)
            : TaskParticipants(task!, caller);
        valid = await interception.Apply(caller, valid, recipients);
        var message = await log.Append(valid.ToMessage(caller.Name, recipients, clock.GetUtcNow()), channelSequence: null);
        await GrainFactory.DeliverMessage(message, recipients);
        await this.PublishActivity(EventNames.MessageReceived, message);
        return message;
    }

    public async Task<MessageInfo> Get(Guid id) =>
        await log.Get(id) ?? throw AgentChannelException.NotFound($"No message with id {id}.");

    public Task<MessagePage> List(MessageQuery query) =>
        log.List(query with { Limit = Validation.Limit(query.Limit, limits.Value.MaxPageSize) });

    /// <summary>Every recipient must be registered; names come back as the agents spell them.</summary>
    private async Task<IReadOnlyList<string>> CanonicalRecipients(IReadOnlyList<string> names)
    {
        var agents = await Task.WhenAll(names.Select(name => GrainFactory.GetGrain<IAgentGrain>(AgentNames.Key(name)).Get()));
        var missing = names.Where((_, index) => agents[index] is null).ToList();
        if (missing.Count > 0)
        {
            throw AgentChannelException.NotFound($"No agent named {string.Join(", ", missing.Select(name => $"'{name}'"))} (recipients).");
        }
        return agents.Select(agent => agent!.Name).ToList();
    }

    /// <summary>A message in a task's thread reaches its creator and assignee, never echoing the sender.</summary>
    private static List<string> TaskParticipants(TaskInfo task, Caller sender) =>
        new[] { task.Creator, task.AssignedTo }
            .OfType<string>()
            .Where(name => !AgentNames.Equal(name, sender.Name) && !AgentNames.Equal(name, Caller.OperatorName))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
}
