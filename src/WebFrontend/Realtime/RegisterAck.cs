using Orleans.AgentChannel.Agents;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

public sealed record RegisterAck(AgentInfo Agent, string? Token, Events.InboxPosition Inbox, long ReplayFrom);
