using Orleans.AgentChannel.Agents;

namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record StatusRequest(AgentStatus? Status);
