using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Memory;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>Shared memory. Keys may contain '/', so the key is the rest of the path. ETag is the version.</summary>
public static class MemoryEndpoints
{
    public static void MapMemory(this RouteGroupBuilder api)
    {
        var memory = api.MapGroup("/memory").WithTags("memory");

        memory.MapPost("/", async (SetMemoryRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
        {
            var body = Endpoints.Required(request, "key and value");
            return await Set(context, grains, MemoryKeys.Require(body.Key), body, Endpoints.Key(idempotencyKey));
        });

        // With q, a full-text search over the keys and values the caller may read (MemorySearchPage), by relevance.
        memory.MapGet("/", async Task<IResult> (string? q, string? prefix, int? limit, string? cursor, HttpContext context, IGrainFactory grains) =>
            {
                var directory = grains.GetGrain<IMemoryDirectoryGrain>(0);
                return q is null
                    ? Results.Ok(await directory.List(context.User.Caller(), prefix, limit ?? 100, cursor))
                    : Results.Ok(await directory.Search(context.User.Caller(), q, prefix, limit ?? 100, cursor));
            })
            .Produces<MemoryKeyPage>()
            .Produces<MemorySearchPage>();

        // One catch-all route: keys contain '/', so ".../history" (a suffix no key may end in) selects the history.
        memory.MapGet("/{**key}", async (string key, long? version, int? limit, HttpContext context, IGrainFactory grains) =>
        {
            var caller = context.User.Caller();
            if (key.EndsWith(MemoryKeys.HistorySuffix, StringComparison.Ordinal))
            {
                var historyOf = key[..^MemoryKeys.HistorySuffix.Length];
                return Results.Ok(new ItemsResponse<MemoryVersion>(
                    await grains.MemoryGrain(historyOf).History(caller, limit ?? 100)));
            }
            if (version is { } wanted)
            {
                return Results.Ok(await grains.MemoryGrain(key).GetVersion(caller, wanted));
            }
            var entry = await grains.MemoryGrain(key).Get(caller);
            context.Response.Headers.ETag = ETagOf(entry.Version);
            return Results.Ok(entry);
        });

        memory.MapPut("/{**key}", async (string key, SetMemoryRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
        {
            var body = Endpoints.Required(request, "value");
            if (body.Key is not null && body.Key != key)
            {
                throw AgentChannelException.Invalid("key", "The body's 'key' differs from the key in the path.");
            }
            return await Set(context, grains, key, body, Endpoints.Key(idempotencyKey));
        });

        memory.MapDelete("/{**key}", async (string key, long? expected_version, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
        {
            await grains.MemoryGrain(key).Delete(context.User.Caller(), ExpectedVersion(context, expected_version), Endpoints.Key(idempotencyKey));
            return Results.NoContent();
        });
    }

    private static async Task<IResult> Set(HttpContext context, IGrainFactory grains, string key, SetMemoryRequest body, IdempotencyKey? idempotencyKey)
    {
        var write = new MemoryWrite(body.Value, body.AccessControl, ExpectedVersion(context, body.ExpectedVersion), body.TtlSeconds);
        var written = await grains.MemoryGrain(key).TrySet(context.User.Caller(), write, idempotencyKey).OrThrow();
        context.Response.Headers.ETag = ETagOf(written.Entry.Version);
        return written.Created
            ? Results.Created($"/api/memory/{Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal)}", written.Entry)
            : Results.Ok(written.Entry);
    }

    private static string ETagOf(long version) => $"\"{version}\"";

    /// <summary>If-Match: "N" is the same compare-and-set as expected_version: N; both must agree.</summary>
    private static long? ExpectedVersion(HttpContext context, long? fromBody)
    {
        var ifMatch = context.Request.Headers[HeaderNames.IfMatch].ToString();
        if (string.IsNullOrEmpty(ifMatch))
        {
            return fromBody;
        }
        var tag = ifMatch.Trim();
        if (!(tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && long.TryParse(tag[1..^1], out var version)))
        {
            throw AgentChannelException.Invalid("If-Match", "'If-Match' must be one quoted version, e.g. \"3\".");
        }
        if (fromBody is not null && fromBody != version)
        {
            throw AgentChannelException.Invalid("expected_version", "'expected_version' and 'If-Match' disagree.");
        }
        return version;
    }
}
