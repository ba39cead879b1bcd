using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// A page of the caller's inbox and where the inbox stands (MCP's read_inbox, REST's long poll). Reading consumes
/// nothing: the agent acks what it processed, and <see cref="NextSinceSeq"/> is where to read on from.
/// </summary>
public sealed record InboxView(
    IReadOnlyList<InboxEntry> Events,
    bool HasMore,
    long LastSeq,
    long AckedSeq,
    long NextSinceSeq)
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    /// <summary>The caller's own inbox (never another agent's: the grain is keyed by the authenticated name).</summary>
    public static async Task<InboxView> Read(IGrainFactory grains, Caller caller, long? sinceSeq, int? limit)
    {
        RequireValidPage(sinceSeq, limit);
        var agent = Of(grains, caller);
        var position = await agent.GetInboxPosition();
        var after = sinceSeq ?? position.AckedSeq;
        var page = await agent.ReadInbox(after, limit ?? DefaultLimit);
        var events = page.Events.Select(e => new InboxEntry(e.Seq ?? 0, e.Event, e.Data)).ToList();
        return new InboxView(events, page.HasMore, position.LastSeq, position.AckedSeq, events.Count > 0 ? events[^1].Seq : after);
    }

    public static void RequireValidPage(long? sinceSeq, int? limit)
    {
        if (sinceSeq < 0)
        {
            throw AgentChannelException.Invalid("since_seq", "'since_seq' cannot be negative.");
        }
        if (limit is < 1 or > MaxLimit)
        {
            throw AgentChannelException.Invalid("limit", $"'limit' must be between 1 and {MaxLimit}.");
        }
    }

    /// <summary>The grain of the caller's inbox; the operator is no agent and has none.</summary>
    public static IAgentGrain Of(IGrainFactory grains, Caller caller) => caller.IsOperator
        ? throw AgentChannelException.Forbidden("The operator has no inbox: only agents receive events.")
        : grains.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name));
}
