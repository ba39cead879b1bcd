using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>Message history and the operator's posts; routing and validation stay in the messages grain.</summary>
public sealed class MessageOperations(IGrainFactory grains)
{
    private IMessagesGrain Messages => grains.GetGrain<IMessagesGrain>(0);

    /// <summary>
    /// The newest messages matching the filters. An agent filter means "sent or received by", which the log
    /// answers as two queries (sender, recipient) merged newest first.
    /// </summary>
    public async Task<IReadOnlyList<MessageInfo>> Recent(MessageFilter filter, int limit, DateTimeOffset? before = null)
    {
        var query = new MessageQuery(Channel: filter.Channel, TaskId: filter.TaskId, Before: before, Limit: limit);
        if (filter.Agent is not { } agent)
        {
            return (await Messages.List(Caller.Operator, query)).Items;
        }
        var pages = await Task.WhenAll(Messages.List(Caller.Operator, query with { Sender = agent }), Messages.List(Caller.Operator, query with { Recipient = agent }));
        return pages.SelectMany(page => page.Items).DistinctBy(message => message.Id)
            .OrderByDescending(message => message.Sequence).Take(limit).ToList();
    }

    /// <summary>
    /// Full-text search of every message with the filters, most relevant first. An agent filter ("sent or received
    /// by") is two searches whose hits are merged by rank, one page only (no cursor): a rank orders the hits of one
    /// answer, so the merge is approximate.
    /// </summary>
    public async Task<MessageSearchPage> Search(MessageFilter filter, string text, int limit, string? cursor = null)
    {
        var query = new MessageQuery(Channel: filter.Channel, TaskId: filter.TaskId, Limit: limit, Cursor: cursor);
        if (filter.Agent is not { } agent)
        {
            return await Messages.Search(Caller.Operator, text, query);
        }
        var pages = await Task.WhenAll(
            Messages.Search(Caller.Operator, text, query with { Sender = agent }), Messages.Search(Caller.Operator, text, query with { Recipient = agent }));
        return new MessageSearchPage(
            [.. pages.SelectMany(page => page.Items).DistinctBy(hit => hit.Message.Id).OrderByDescending(hit => hit.Rank).Take(limit)], null);
    }

    /// <summary>A task's thread, oldest first.</summary>
    public async Task<IReadOnlyList<MessageInfo>> Thread(Guid taskId, int limit) =>
        (await Messages.List(Caller.Operator, new MessageQuery(TaskId: taskId, Limit: limit, Ascending: true))).Items;

    public Task<IReadOnlyList<ChannelSummary>> Channels() => grains.GetGrain<IChannelDirectoryGrain>(0).List();

    /// <summary>Posts as the operator; the operator never becomes a member of the channel.</summary>
    public Task<MessageInfo> PostToChannel(string channel, string content) =>
        Messages.Send(Caller.Operator, new MessageDraft(content, Channel: channel));

    /// <summary>
    /// Sends as the operator to a capability: one online agent that has it (<see cref="RoleMode.Any"/>) or every agent
    /// that has it (<see cref="RoleMode.All"/>); the messages grain resolves and refuses as for any sender.
    /// </summary>
    public Task<MessageInfo> SendToCapability(string capability, RoleMode mode, string content) =>
        Messages.Send(Caller.Operator, new MessageDraft(content, ToCapability: capability, Mode: mode));

    /// <summary>Writes into a task's thread: it reaches the task's creator and assignee.</summary>
    public Task<MessageInfo> PostToTask(Guid taskId, string content) =>
        Messages.Send(Caller.Operator, new MessageDraft(content, TaskId: taskId));
}
