using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class ChannelsApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Agents_join_and_leave_channels_and_the_list_shows_them()
    {
        var alice = await fixture.Register("alice");
        var bob = await fixture.Register("bob");
        var name = $"team-{Guid.NewGuid():N}"[..13];

        (await alice.Http.Post($"/api/channels/{name}/join")).Json["members"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe([alice.Name]);
        var both = await bob.Http.Post($"/api/channels/{name.ToUpperInvariant()}/join");
        both.Json["name"]!.GetValue<string>().ShouldBe(name);
        both.Json["members"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe([alice.Name, bob.Name]);
        (await alice.Http.Post($"/api/channels/{name}/leave")).Json["members"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe([bob.Name]);

        var listed = (await alice.Http.Get("/api/channels")).Json["items"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        listed["member_count"]!.GetValue<int>().ShouldBe(1);

        (await alice.Http.Get("/api/channels/never-used-channel")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await alice.Http.Post("/api/channels/never-used-channel/leave")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await alice.Http.Post("/api/channels/bad name/join")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "channel");
        (await fixture.Operator.Post($"/api/channels/{name}/join")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await fixture.Anonymous.Post($"/api/channels/{name}/join")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
