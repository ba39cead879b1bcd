using Microsoft.AspNetCore.Mvc;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class ChannelsEndpoints
{
    public static void MapChannels(this RouteGroupBuilder api)
    {
        var channels = api.MapGroup("/channels").WithTags("channels");

        channels.MapGet("/", async (IGrainFactory grains) =>
            new ItemsResponse<ChannelSummary>(await grains.GetGrain<IChannelDirectoryGrain>(0).List()));

        channels.MapGet("/{name}", (string name, IGrainFactory grains) => Channel(grains, name).Get());

        channels.MapPost("/{name}/join", (string name, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            Channel(grains, name).Join(context.User.Caller(), Endpoints.Key(idempotencyKey)));

        channels.MapPost("/{name}/leave", (string name, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            Channel(grains, name).Leave(context.User.Caller(), Endpoints.Key(idempotencyKey)));
    }

    private static IChannelGrain Channel(IGrainFactory grains, string name) =>
        grains.GetGrain<IChannelGrain>(AgentNames.Key(AgentNames.Require(name, "channel")));
}
