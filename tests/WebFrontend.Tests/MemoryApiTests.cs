using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class MemoryApiTests(ServerFixture fixture)
{
    private static string UniqueKey(string prefix) => $"{prefix}/{Guid.NewGuid():N}";

    [Fact]
    public async Task Set_get_update_and_delete_a_key_with_versions_and_etags()
    {
        var agent = await fixture.Register("mem");
        var key = UniqueKey("research_results");

        var created = await agent.Http.Post("/api/memory", new { key, value = new { findings = "..." } });
        created.Status.ShouldBe(HttpStatusCode.Created);
        created.Json["version"]!.GetValue<long>().ShouldBe(1);
        created.Json["created_by"]!.GetValue<string>().ShouldBe(agent.Name);
        created.Raw.Headers.ETag!.Tag.ShouldBe("\"1\"");

        var fetched = await agent.Http.Get($"/api/memory/{key}");
        fetched.Status.ShouldBe(HttpStatusCode.OK);
        fetched.Json["value"]!["findings"]!.GetValue<string>().ShouldBe("...");
        fetched.Json["access_control"]!["read"]![0]!.GetValue<string>().ShouldBe("*");

        var updated = await agent.Http.Put($"/api/memory/{key}", new { value = new[] { 1, 2 }, expected_version = 1 });
        updated.Status.ShouldBe(HttpStatusCode.OK);
        updated.Json["version"]!.GetValue<long>().ShouldBe(2);

        (await agent.Http.Post("/api/memory", new { key, value = "again" })).Json["version"]!.GetValue<long>().ShouldBe(3);
        (await agent.Http.Delete($"/api/memory/{key}")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await agent.Http.Get($"/api/memory/{key}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await agent.Http.Delete($"/api/memory/{key}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_stale_version_in_the_body_or_If_Match_is_409_with_the_current_version()
    {
        var agent = await fixture.Register("cas");
        var key = UniqueKey("cas");
        await agent.Http.Post("/api/memory", new { key, value = 1 });
        await agent.Http.Put($"/api/memory/{key}", new { value = 2 });

        var stale = await agent.Http.Put($"/api/memory/{key}", new { value = 3, expected_version = 1 });
        stale.ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        stale.Json["current_version"]!.GetValue<long>().ShouldBe(2);

        var staleHeader = await agent.Http.Send(HttpMethod.Put, $"/api/memory/{key}", new { value = 3 },
            request => request.Headers.TryAddWithoutValidation("If-Match", "\"1\""));
        staleHeader.ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        var fresh = await agent.Http.Send(HttpMethod.Put, $"/api/memory/{key}", new { value = 3 },
            request => request.Headers.TryAddWithoutValidation("If-Match", "\"2\""));
        fresh.Json["version"]!.GetValue<long>().ShouldBe(3);
        (await agent.Http.Send(HttpMethod.Put, $"/api/memory/{key}", new { value = 4 },
            request => request.Headers.TryAddWithoutValidation("If-Match", "W/\"x\""))).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "If-Match");
        (await agent.Http.Delete($"/api/memory/{key}?expected_version=1")).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");

        (await agent.Http.Get($"/api/memory/{key}")).Json["value"]!.GetValue<int>().ShouldBe(3);
    }

    [Theory]
    [InlineData("AAAA")] // three NUL characters: no key, so never the end of a page
    [InlineData("/w==")] // not UTF-8
    [InlineData("a2V=")] // "ke" spelled with bits the server never sets (it issues "a2U=")
    [InlineData("Lw==")] // "/": not a valid key
    public async Task A_memory_cursor_the_server_never_issued_is_400(string cursor)
    {
        var reader = await fixture.Register("cursor");
        (await reader.Http.Get($"/api/memory?cursor={Uri.EscapeDataString(cursor)}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "cursor");
    }

    [Fact]
    public async Task Access_control_is_403_for_others_and_the_listing_hides_unreadable_keys()
    {
        var owner = await fixture.Register("owner");
        var friend = await fixture.Register("friend");
        var stranger = await fixture.Register("stranger");
        var prefix = $"team-{Guid.NewGuid():N}/";
        await owner.Http.Post("/api/memory", new { key = prefix + "open", value = 1 });
        var secret = await owner.Http.Post("/api/memory", new
        {
            key = prefix + "secret",
            value = 2,
            access_control = new { read = new[] { friend.Name }, write = Array.Empty<string>() },
        });
        secret.Status.ShouldBe(HttpStatusCode.Created);

        (await friend.Http.Get($"/api/memory/{prefix}secret")).Json["value"]!.GetValue<int>().ShouldBe(2);
        (await stranger.Http.Get($"/api/memory/{prefix}secret")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await friend.Http.Put($"/api/memory/{prefix}secret", new { value = 3 })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await stranger.Http.Delete($"/api/memory/{prefix}secret")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await owner.Http.Get($"/api/memory/{prefix}secret")).Json["version"]!.GetValue<long>().ShouldBe(1);

        var strangerList = await stranger.Http.Get($"/api/memory?prefix={prefix}");
        strangerList.Json["items"]!.AsArray().Select(k => k!["key"]!.GetValue<string>()).ShouldBe([prefix + "open"]);
        var friendList = await friend.Http.Get($"/api/memory?prefix={prefix}&limit=1");
        friendList.Json["items"]!.AsArray().Select(k => k!["key"]!.GetValue<string>()).ShouldBe([prefix + "open"]);
        var friendRest = await friend.Http.Get($"/api/memory?prefix={prefix}&limit=1&cursor={Uri.EscapeDataString(friendList.Json["next_cursor"]!.GetValue<string>())}");
        friendRest.Json["items"]!.AsArray().Select(k => k!["key"]!.GetValue<string>()).ShouldBe([prefix + "secret"]);
        (await fixture.Operator.Get($"/api/memory?prefix={prefix}")).Json["items"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Bad_memory_requests_are_refused_with_the_field()
    {
        var agent = await fixture.Register("badmem");
        var key = UniqueKey("bad");

        (await agent.Http.Post("/api/memory", new { value = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Post("/api/memory", new { key })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "value");
        (await agent.Http.Post("/api/memory", $$"""{"key": "{{key}}", "value": null}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "value");
        (await agent.Http.Put($"/api/memory/{key}", new { key = "other", value = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Post("/api/memory", new { key, value = 1, access_control = new { read = new[] { "bad name" } } }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "access_control.read");
        (await agent.Http.Post("/api/memory", new { key, value = new string('x', 300_000) })).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "too_large", "value");
        (await agent.Http.Get($"/api/memory/{key}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await fixture.Anonymous.Post("/api/memory", new { key, value = 1 })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
        (await fixture.Anonymous.Get($"/api/memory/{key}")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("%20")]
    [InlineData("%20%20/history")]
    [InlineData("%09")]
    public async Task A_blank_key_in_the_path_is_400_not_500(string path)
    {
        var agent = await fixture.Register("blank");

        (await agent.Http.Get($"/api/memory/{path}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Get($"/api/memory/{path}?version=1")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Put($"/api/memory/{path}", new { value = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Delete($"/api/memory/{path}")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
        (await agent.Http.Post("/api/memory", new { key = " ", value = 1 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "key");
    }

    [Fact]
    public async Task A_negative_expected_version_is_400_not_a_conflict_and_changes_nothing()
    {
        var agent = await fixture.Register("negver");
        var key = UniqueKey("negver");

        (await agent.Http.Post("/api/memory", new { key, value = 1, expected_version = -1 }))
            .ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "expected_version");
        (await agent.Http.Send(HttpMethod.Put, $"/api/memory/{key}", new { value = 1 },
            request => request.Headers.TryAddWithoutValidation("If-Match", "\"-1\""))).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "expected_version");
        (await agent.Http.Get($"/api/memory/{key}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        await agent.Http.Post("/api/memory", new { key, value = 1 });
        (await agent.Http.Delete($"/api/memory/{key}?expected_version=-1")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "expected_version");
        (await agent.Http.Get($"/api/memory/{key}")).Json["version"]!.GetValue<long>().ShouldBe(1);
    }
}
