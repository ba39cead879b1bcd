using System.Diagnostics;
using System.Text.Json;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>The settings beside the Silo apply wherever it is started from (docs/deployment.md runs it from the repository root).</summary>
public sealed class SiloSettingsFileTests
{
    [Fact]
    public async Task The_silo_reads_the_settings_beside_it_when_started_from_another_directory()
    {
        // An environment's settings file of its own beside the program (read like appsettings.json), so no other test sees it.
        var environment = $"SettingsProbe{Guid.NewGuid():N}";
        var settings = Path.Combine(ClusterProcess.SiloDirectory, $"appsettings.{environment}.json");
        var elsewhere = Directory.CreateTempSubdirectory("agentchannel-elsewhere-").FullName;
        var database = Path.Combine(elsewhere, "from-settings", "agentchannel.db");
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new { AgentChannel = new { Storage = new { SqlitePath = database } } }),
            TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo(Path.Combine(ClusterProcess.SiloDirectory, "Orleans.AgentChannel.Silo"), "--init-db")
            {
                WorkingDirectory = elsewhere,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["DOTNET_ENVIRONMENT"] = environment;
            using var silo = Process.Start(start)!;
            var output = silo.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = silo.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await silo.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

            silo.ExitCode.ShouldBe(0, await errors);
            (await output).ShouldContain($"Schema applied: SQLite {database}");
            File.Exists(database).ShouldBeTrue();
        }
        finally
        {
            File.Delete(settings);
            Directory.Delete(elsewhere, recursive: true);
        }
    }
}
