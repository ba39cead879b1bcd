using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>One inbox event as read_inbox shows it: its sequence number, the seed's event name and its payload.</summary>
public sealed record InboxEntry(long Seq, string Event, RawJson Data);

/// <summary>
/// A page of the caller's inbox and where the inbox stands. Reading consumes nothing: the agent acks what
/// it processed (ack_inbox), and <see cref="NextSinceSeq"/> is where to read on from.
/// </summary>
public sealed record InboxView(
    IReadOnlyList<InboxEntry> Events,
    bool HasMore,
    long LastSeq,
    long AckedSeq,
    long NextSinceSeq);

/// <summary>The caller's own inbox (never another agent's: the grain is keyed by the authenticated name).</summary>
public static class McpInbox
{
    public const int DefaultLimit = 100;

    public static async Task<InboxView> Read(IGrainFactory grains, Caller caller, long? sinceSeq, int? limit)
    {
        var agent = grains.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name));
        var position = await agent.GetInboxPosition();
        var after = sinceSeq ?? position.AckedSeq;
        var page = await agent.ReadInbox(after, limit ?? DefaultLimit);
        var events = page.Events.Select(e => new InboxEntry(e.Seq ?? 0, e.Event, e.Data)).ToList();
        return new InboxView(events, page.HasMore, position.LastSeq, position.AckedSeq, events.Count > 0 ? events[^1].Seq : Math.Max(after, 0));
    }
}
