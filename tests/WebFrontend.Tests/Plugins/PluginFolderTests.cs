namespace Orleans.AgentChannel.WebFrontend.Tests.Plugins;

/// <summary>A plugins folder the server cannot use stops the start with a message naming what is wrong.</summary>
public sealed class PluginFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentchannel-plugin-folder-tests", Guid.NewGuid().ToString("N"));
    private readonly TempDatabase _database = new();

    [Fact]
    public async Task A_plugins_folder_that_does_not_exist_stops_the_start_naming_it()
    {
        var missing = Path.Combine(_root, "nowhere");
        var error = await Should.ThrowAsync<DirectoryNotFoundException>(() => Start(missing));
        error.Message.ShouldContain(missing);
        error.Message.ShouldContain("AgentChannel:Plugins:Path");
    }

    [Fact]
    public async Task A_plugin_folder_whose_assembly_holds_no_plugin_stops_the_start_naming_the_file()
    {
        // Any .NET assembly without an extension point in it: here the test framework's Shouldly.
        var shouldly = typeof(Shouldly.ShouldAssertException).Assembly.Location;
        var folder = Directory.CreateDirectory(Path.Combine(_root, "plugins", "Shouldly")).FullName;
        File.Copy(shouldly, Path.Combine(folder, "Shouldly.dll"));

        var error = await Should.ThrowAsync<InvalidOperationException>(() => Start(Path.Combine(_root, "plugins")));
        error.Message.ShouldContain(Path.Combine("Shouldly", "Shouldly.dll"));
        error.Message.ShouldContain("no public class implementing");
    }

    private async Task Start(string folder)
    {
        await using var server = await AgentChannelServer.StartAsync(_database.Path,
            new Dictionary<string, string?> { ["AgentChannel:Plugins:Path"] = folder });
    }

    public void Dispose()
    {
        _database.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
