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

        // Anonymous: this is how an agent gets its token. Re-registering a taken name needs that token; with the
        // operator's token instead, any name is (re-)registered with a new token: the way back for a revoked or retired agent.
        agents.MapPost("/register", async (AgentRegistration? registration, HttpRequest request, IGrainFactory grains, OperatorToken operatorToken) =>
        {
            var body = Endpoints.Required(registration, "name, type, capabilities, metadata");
            var name = AgentNames.Require(body.Name, "name");
            var grain = grains.GetGrain<IAgentGrain>(AgentNames.Key(name));
            var bearer = AgentTokenAuthenticationHandler.BearerToken(request);
            var result = bearer is not null && operatorToken.Matches(bearer)
                ? await grain.RegisterByOperator(Caller.Operator, body)
                : await grain.Register(body, bearer);
            return result.Created
                ? Results.Created($"/api/agents/{result.Agent.Id}", result)
                : Results.Ok(result);
        }).AllowAnonymous();

        // Retire: the agent itself or the operator. Its history stays; its name is held for the operator.
        agents.MapDelete("/{id}", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).Retire(context.User.Caller());
            return Results.NoContent();
        });

        // The agent rotates its own token: the new one is in the answer, once; the old one stops at once.
        agents.MapPost("/{id}/token", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            return await grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).RotateToken(context.User.Caller(), keepConnectionId: null);
        });

        // The operator revokes an agent's token: it stops at once; the operator registers the agent again to issue a new one.
        agents.MapDelete("/{id}/token", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            var agent = await grains.GetGrain<IAgentDirectoryGrain>(0).Resolve(id);
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(agent.Name)).RevokeToken(context.User.Caller());
            return Results.NoContent();
        });

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
