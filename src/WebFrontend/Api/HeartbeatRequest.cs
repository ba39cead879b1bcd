using Orleans.AgentChannel.Agents;

namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record HeartbeatRequest(AgentStatus? Status);
