using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>One inbox event as a page shows it: its sequence number, its event name (docs/api.md) and its payload.</summary>
public sealed record InboxEntry(long Seq, string Event, RawJson Data);
