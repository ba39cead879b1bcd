using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A SQLite file belongs to one process and one silo: a second server on the same data directory stops before
/// it touches it, and a SQLite silo never asks other silos to join it.
/// </summary>
public sealed class DataDirectoryTests
{
    [Fact]
    public async Task A_sqlite_server_with_an_address_for_other_silos_is_refused_at_start_naming_the_settings()
    {
        using var database = new TempDatabase();

        var refused = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => AgentChannelServer.StartAsync(
            database.Path, new Dictionary<string, string?> { ["AgentChannel:Silo:AdvertisedAddress"] = "10.1.2.3" }));

        refused.Message.ShouldContain("AgentChannel:Silo:AdvertisedAddress is 10.1.2.3");
        refused.Message.ShouldContain("AgentChannel:Storage:Provider is Sqlite");
        refused.Message.ShouldContain("AgentChannel:Storage:Provider=PostgreSQL");
        await using var local = await AgentChannelServer.StartAsync(
            database.Path, new Dictionary<string, string?> { ["AgentChannel:Silo:AdvertisedAddress"] = "127.0.0.1" });
    }

    [Fact]
    public async Task A_second_server_on_the_same_data_directory_exits_naming_it_and_the_first_keeps_serving_unchanged()
    {
        await using var first = await ServerProcess.StartAsync();
        using var operatorClient = first.Client(AgentChannelServer.OperatorToken);
        using var anonymous = first.Client();
        var registered = await anonymous.Post("/api/agents/register", new { name = "first-agent", type = "llm" });
        registered.Status.ShouldBe(HttpStatusCode.Created);
        using var agent = first.Client(registered.Json["token"]!.GetValue<string>());
        (await agent.Post("/api/messages", new { content = "before", recipients = new[] { "first-agent" } })).Status.ShouldBe(HttpStatusCode.Created);
        (await agent.Post("/api/memory", new { key = "plans", value = new { step = 1 } })).Status.ShouldBe(HttpStatusCode.Created);
        var messagesBefore = (await operatorClient.Get("/api/messages")).Json.ToJsonString();
        var memoryBefore = (await operatorClient.Get("/api/memory/plans")).Json.ToJsonString();
        var filesBefore = Directory.GetFiles(first.DataDirectory).Order().ToList();

        var (exitCode, output) = await first.RunSecondOnSameDataDirectory(TimeSpan.FromSeconds(60));

        exitCode.ShouldNotBe(0, output);
        output.ShouldContain($"The data directory {first.DataDirectory} is in use", Case.Sensitive, output);
        Directory.GetFiles(first.DataDirectory).Order().ToList().ShouldBe(filesBefore);
        (await operatorClient.Get("/api/messages")).Json.ToJsonString().ShouldBe(messagesBefore);
        (await operatorClient.Get("/api/memory/plans")).Json.ToJsonString().ShouldBe(memoryBefore);
        (await agent.Put("/api/memory/plans", new { value = new { step = 2 }, expected_version = 1 })).Status.ShouldBe(HttpStatusCode.OK);
        (await agent.Post("/api/messages", new { content = "after", recipients = new[] { "first-agent" } })).Status.ShouldBe(HttpStatusCode.Created);
        (await operatorClient.Get("/api/messages?order=asc")).Json["items"]!.AsArray()
            .Select(message => message!["content"]!.GetValue<string>()).ShouldBe(["before", "after"]);
    }
}
