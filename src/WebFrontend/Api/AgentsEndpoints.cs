using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.WebFrontend.Identity;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class AgentsEndpoints
{
    public static void MapAgents(this RouteGroupBuilder api)
    {
        var agents = api.MapGroup("/agents").WithTags("agents");

        // Anonymous: this is how an agent gets its token. Re-registering a taken name needs that token.
        agents.MapPost("/register", async (AgentRegistration? registration, HttpRequest request, IGrainFactory grains) =>
        {
            var body = Endpoints.Required(registration, "name, type, capabilities, metadata");
            var name = AgentNames.Require(body.Name, "name");
            var result = await grains.GetGrain<IAgentGrain>(AgentNames.Key(name))
                .Register(body, AgentTokenAuthenticationHandler.BearerToken(request));
            return result.Created
                ? Results.Created($"/api/agents/{result.Agent.Id}", result)
                : Results.Ok(result);
        }).AllowAnonymous();

        agents.MapGet("/", async (string? status, string? type, string? capability, IGrainFactory grains) =>
            new ItemsResponse<AgentListing>(await grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery(
                AgentChannelJson.ParseWireName<AgentStatus>(status, "status"), Endpoints.NullIfEmpty(type), Endpoints.NullIfEmpty(capability)))));

        agents.MapGet("/{id}", (string id, IGrainFactory grains) => grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id));

        // For agents without a WebSocket: keeps them present and renews the leases on their tasks.
        agents.MapPost("/{id}/heartbeat", async (string id, HeartbeatRequest? request, HttpContext context, IGrainFactory grains) =>
        {
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            return await grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).Heartbeat(context.User.Caller(), request?.Status);
        });

        agents.MapPut("/{id}/status", async (string id, StatusRequest? request, HttpContext context, IGrainFactory grains) =>
        {
            var status = Endpoints.Required(request, "status").Status
                         ?? throw AgentChannelException.Invalid("status", "'status' is required: online, busy or offline.");
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            return await grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).SetStatus(context.User.Caller(), status);
        });
    }
}
