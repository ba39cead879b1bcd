using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>Webhook subscriptions and their delivery logs; the grains allow the operator only.</summary>
public static class WebhooksEndpoints
{
    public static void MapWebhooks(this RouteGroupBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks").WithTags("webhooks");

        webhooks.MapPost("/", async (NewWebhook? webhook, HttpContext context, IGrainFactory grains) =>
        {
            var created = await grains.GetGrain<IWebhookGrain>(Guid.CreateVersion7())
                .Create(context.User.Caller(), Endpoints.Required(webhook, "url, events and secret"));
            return Results.Created($"/api/webhooks/{created.Webhook.Id}", created);
        });

        webhooks.MapGet("/", async (HttpContext context, IGrainFactory grains) =>
            new ItemsResponse<WebhookInfo>(await grains.GetGrain<IWebhookDirectoryGrain>(0).List(context.User.Caller())));

        webhooks.MapGet("/{id}", (string id, HttpContext context, IGrainFactory grains) =>
            grains.GetGrain<IWebhookGrain>(Endpoints.RequireGuid(id, "webhook")).Get(context.User.Caller()));

        webhooks.MapDelete("/{id}", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            await grains.GetGrain<IWebhookGrain>(Endpoints.RequireGuid(id, "webhook")).Delete(context.User.Caller());
            return Results.NoContent();
        });

        webhooks.MapGet("/{id}/deliveries", async (string id, int? limit, HttpContext context, IGrainFactory grains) =>
            new ItemsResponse<WebhookDelivery>(await grains.GetGrain<IWebhookDirectoryGrain>(0)
                .Deliveries(context.User.Caller(), Endpoints.RequireGuid(id, "webhook"), limit ?? 50)));
    }
}
