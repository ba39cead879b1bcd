using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// The product as a process of its own (its apphost is copied beside the tests), for what an in-process host
/// cannot show: stopping it ends everything the process held in memory, as a real restart does.
/// </summary>
/// <param name="environment">Extra settings for the process (e.g. <c>AgentChannel__Plugins__Path</c>).</param>
public sealed class ServerProcess(IReadOnlyDictionary<string, string>? environment = null) : IAsyncDisposable
{
    private const string OperatorToken = "process-operator-token";

    /// <summary>Holds the database; deleted with the process.</summary>
    public string DataDirectory => _directory;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agentchannel-client-tests", Guid.NewGuid().ToString("N"));
    private readonly int _httpPort = TestServer.FreePort();
    private readonly int _siloPort = TestServer.FreePort();
    private Process? _process;

    public int GatewayPort { get; } = TestServer.FreePort();

    public string ClusterId { get; } = $"test-{Guid.NewGuid():N}";

    public Uri Address => new($"http://127.0.0.1:{_httpPort}");

    public AgentClientOptions Options(string name) => TestServer.AgentOptions(name, GatewayPort, ClusterId, _directory);

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? OperatorToken);
        return client;
    }

    /// <summary>Starts the server (again, on the same ports and database) and returns once it serves.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Orleans.AgentChannel.WebFrontend"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["Urls"] = Address.ToString(),
                ["AgentChannel__OperatorToken"] = OperatorToken,
                ["AgentChannel__Storage__SqlitePath"] = Path.Combine(_directory, "agentchannel.db"),
                ["AgentChannel__Silo__SiloPort"] = _siloPort.ToString(CultureInfo.InvariantCulture),
                ["AgentChannel__Silo__GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
                ["AgentChannel__Silo__ClusterId"] = ClusterId,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        // Keep draining both pipes: a child whose output nobody reads blocks once the pipe is full.
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("is running on", StringComparison.Ordinal) == true)
            {
                serving.TrySetResult();
            }
        };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                errors.Enqueue(text);
                while (errors.Count > 40 && errors.TryDequeue(out string? _))
                {
                }
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException(
            $"The server process exited ({process.ExitCode}) before serving:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        // Seconds when the machine is idle; CI runs the test assemblies side by side on two cores, so the deadline is
        // generous, and a process that fails to start (a port taken meanwhile) says why at once instead.
        await serving.Task.WaitAsync(TimeSpan.FromSeconds(180), TestContext.Current.CancellationToken);
    }

    /// <summary>Stops the server as Ctrl+C or <c>kill</c> does (SIGTERM): a graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            // .NET can send a process only SIGKILL; the kill command sends the signal a user's Ctrl+C or kill would.
            using var signal = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await signal.WaitForExitAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
        await CrashAsync();
    }

    /// <summary>Kills the server as a crash would (SIGKILL): no shutdown, nothing saved that was not saved already.</summary>
    public async Task CrashAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await CrashAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
