using System.Security.Claims;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.WebFrontend.Identity;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class Endpoints
{
    /// <summary>All of /api: every route needs a bearer token unless it says otherwise.</summary>
    public static IEndpointRouteBuilder MapAgentChannelApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter<RequestTracing>();
        api.MapAgents();
        api.MapMessages();
        api.MapArtifacts();
        api.MapTasks();
        api.MapMemory();
        api.MapChannels();
        api.MapPlugins();
        api.MapWebhooks();
        api.MapStats();
        api.MapTraces();
        api.MapEvents();
        app.MapGet("/api/health", () => Results.Ok(new { status = "ok" })).AllowAnonymous().WithTags("health");
        return app;
    }

    internal static Caller Caller(this ClaimsPrincipal user) => AgentTokenAuthenticationHandler.CallerOf(user);

    /// <summary>Parses a required body; a missing body is a 400 naming what was expected.</summary>
    internal static T Required<T>(T? body, string what) where T : class =>
        body ?? throw AgentChannelException.Invalid("body", $"A JSON body ({what}) is required.");

    /// <summary>An empty query parameter (?type=) filters on nothing rather than on "".</summary>
    internal static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>
    /// A write's <c>Idempotency-Key</c> header (api.md 1.1), or null. Bound as a header parameter by each write, so the
    /// OpenAPI document lists it there.
    /// </summary>
    internal static IdempotencyKey? Key(string? header) => IdempotencyKey.Parse(header, IdempotencyKey.Header);

    /// <summary>The id of a task being created: derived from the creator and key when keyed (so a repeat finds it), else a new Guid v7.</summary>
    internal static Guid NewTaskId(IdempotencyKey? key, Caller caller, TimeProvider clock) =>
        key?.DerivedId(KeyedIds.Task, caller) ?? Guid.CreateVersion7(clock.GetUtcNow());

    internal static Guid RequireGuid(string value, string field) =>
        Guid.TryParse(value, out var id) ? id : throw AgentChannelException.NotFound($"No {field} with id '{value}'.");
}
