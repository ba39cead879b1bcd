using Microsoft.AspNetCore.Mvc;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class MessagesEndpoints
{
    public static void MapMessages(this RouteGroupBuilder api)
    {
        var messages = api.MapGroup("/messages").WithTags("messages");

        messages.MapPost("/", async (MessageDraft? draft, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
        {
            var message = await grains.GetGrain<IMessagesGrain>(0)
                .Send(context.User.Caller(), Endpoints.Required(draft, "content and recipients, channel or task_id"), Endpoints.Key(idempotencyKey));
            return Results.Created($"/api/messages/{message.Id}", message);
        });

        // With q, the same filters over a full-text search: hits ranked by relevance (MessageSearchPage), order not used.
        messages.MapGet("/", async Task<IResult> (string? q, string? sender, string? recipient, string? channel, Guid? task_id,
                DateTimeOffset? since, DateTimeOffset? before, int? limit, string? cursor, string? order, HttpContext context, IGrainFactory grains) =>
            {
                var query = new MessageQuery(
                    Endpoints.NullIfEmpty(sender), Endpoints.NullIfEmpty(recipient), Endpoints.NullIfEmpty(channel), task_id,
                    since, before, limit ?? 50, Endpoints.NullIfEmpty(cursor), Ascending: ParseOrder(order));
                var history = grains.GetGrain<IMessagesGrain>(0);
                return q is null
                    ? Results.Ok(await history.List(context.User.Caller(), query))
                    : Results.Ok(await history.Search(context.User.Caller(), q, query));
            })
            .Produces<MessagePage>()
            .Produces<MessageSearchPage>();

        messages.MapGet("/{id}", (string id, HttpContext context, IGrainFactory grains) =>
            grains.GetGrain<IMessagesGrain>(0).Get(context.User.Caller(), Endpoints.RequireGuid(id, "message")));
    }

    private static bool ParseOrder(string? order) => order?.ToLowerInvariant() switch
    {
        null or "desc" => false,
        "asc" => true,
        _ => throw Errors.AgentChannelException.Invalid("order", "'order' must be 'asc' or 'desc'."),
    };
}
