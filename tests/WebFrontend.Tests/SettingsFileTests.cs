using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>The settings beside the program apply wherever it is started from (docs/deployment.md runs it from the repository root).</summary>
public sealed class SettingsFileTests
{
    [Fact]
    public async Task Settings_beside_the_program_apply_when_it_runs_from_another_directory()
    {
        // An environment's settings file of its own beside the program (read like appsettings.json), so no other test sees it.
        var environment = $"SettingsProbe{Guid.NewGuid():N}";
        var settings = Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json");
        var elsewhere = Directory.CreateTempSubdirectory("agentchannel-elsewhere-").FullName;
        await File.WriteAllTextAsync(settings, """{"AgentChannel": {"Limits": {"MaxTitleChars": 7}}}""", TestContext.Current.CancellationToken);
        try
        {
            await using var server = await ServerProcess.StartAsync(elsewhere, new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = environment,
                ["ASPNETCORE_ENVIRONMENT"] = environment,
            });
            using var anonymous = server.Client();
            var registered = await anonymous.Post("/api/agents/register", new { name = "settings-probe", type = "llm" });
            using var agent = server.Client(registered.Json["token"]!.GetValue<string>());

            (await agent.Post("/api/tasks", new { title = "seven.." })).Status.ShouldBe(HttpStatusCode.Created);
            (await agent.Post("/api/tasks", new { title = "eight..." })).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "too_large", "title");
        }
        finally
        {
            File.Delete(settings);
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}
