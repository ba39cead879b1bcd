using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class HostTests(ServerFixture fixture)
{
    [Fact]
    public async Task Health_is_anonymous_and_ok()
    {
        var health = await fixture.Anonymous.Get("/api/health");
        health.Status.ShouldBe(HttpStatusCode.OK);
        health.Json["status"]!.GetValue<string>().ShouldBe("ok");
    }

    [Fact]
    public async Task Liveness_and_readiness_are_anonymous_and_the_embedded_silo_with_its_sqlite_file_is_ready()
    {
        (await fixture.Anonymous.Get("/health/live")).Status.ShouldBe(HttpStatusCode.OK);
        var ready = await fixture.Anonymous.Get("/health/ready");
        ready.Status.ShouldBe(HttpStatusCode.OK, ready.Body?.ToJsonString());
        ready.Json["status"]!.GetValue<string>().ShouldBe("ready");
        var cluster = ready.Json["checks"]!.AsArray().ShouldHaveSingleItem()!;
        cluster["name"]!.GetValue<string>().ShouldBe("cluster");
        cluster["status"]!.GetValue<string>().ShouldBe("ok");
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_seed_endpoint_and_the_reference_ui_is_served()
    {
        var document = await fixture.Anonymous.Get("/openapi/v1.json");
        document.Status.ShouldBe(HttpStatusCode.OK);
        var paths = document.Json["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain("/api/agents/register");
        paths.ShouldContain("/api/agents");
        paths.ShouldContain("/api/agents/{id}");
        paths.ShouldContain("/api/agents/{id}/status");
        paths.ShouldContain("/api/messages");
        paths.ShouldContain("/api/messages/{id}");
        paths.ShouldContain("/api/tasks");
        paths.ShouldContain("/api/tasks/{id}");
        paths.ShouldContain("/api/tasks/{id}/assign");
        paths.ShouldContain("/api/tasks/{id}/complete");
        paths.ShouldContain("/api/memory");
        paths.ShouldContain("/api/memory/{key}");

        var ui = await fixture.Anonymous.GetAsync("/scalar", TestContext.Current.CancellationToken);
        ui.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_routes_are_problem_details_too()
    {
        var missing = await fixture.Operator.Send(HttpMethod.Get, "/api/nothing-here");
        missing.Status.ShouldBe(HttpStatusCode.NotFound);
        missing.Raw.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }
}
