using Orleans.AgentChannel.Storage.Postgres;

namespace Orleans.AgentChannel.Grains.Tests.Storage;

/// <summary>docs/deployment.md tells operators which scripts make the PostgreSQL schema: it must name each one this build applies.</summary>
public sealed class DeploymentGuideTests
{
    [Fact]
    public void The_deployment_guide_lists_every_postgresql_schema_script()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "deployment.md"));

        PostgresDatabase.ScriptNames.Count.ShouldBeGreaterThan(0);
        foreach (var script in PostgresDatabase.ScriptNames.Select(Path.GetFileName))
        {
            guide.ShouldContain($"| `{script}` |", Case.Sensitive, $"docs/deployment.md's script table does not list {script}");
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.AgentChannel.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException($"No Orleans.AgentChannel.sln above {AppContext.BaseDirectory}.");
    }
}
