using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// The product as its own process (<c>dotnet Orleans.AgentChannel.WebFrontend.dll</c>, built next to the
/// tests), for what only a process of its own shows: OpenTelemetry listens to meters by name across the
/// whole process, so a scrape in a test process holding several hosts would add them all up; and one process
/// per data directory is a lock between processes.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDatabase _database;

    private ServerProcess(Process process, TempDatabase database, Uri address)
    {
        _process = process;
        _database = database;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The directory holding the SQLite file.</summary>
    public string DataDirectory => Path.GetDirectoryName(_database.Path)!;

    /// <param name="workingDirectory">Where the process runs (default: beside the program).</param>
    /// <param name="environment">Extra environment variables.</param>
    public static async Task<ServerProcess> StartAsync(string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var database = new TempDatabase();
        var port = AgentChannelServer.FreePort();
        var start = StartInfo(database.Path, port);
        start.WorkingDirectory = workingDirectory ?? start.WorkingDirectory;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        // Drained so a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, database, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            using var probe = server.Client();
            await Poll.Until(async () =>
            {
                process.HasExited.ShouldBeFalse("the server process exited while starting");
                try
                {
                    return (await probe.GetAsync("/api/health", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, "the server process to answer", TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>
    /// Starts a second server on this one's SQLite file (its own ports and cluster id, so nothing else is shared)
    /// and returns how it ended and what it printed; fails if it is still running after <paramref name="deadline"/>.
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunSecondOnSameDataDirectory(TimeSpan deadline)
    {
        var output = new StringBuilder();
        using var second = new Process { StartInfo = StartInfo(_database.Path, AgentChannelServer.FreePort()) };
        second.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        second.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        second.Start();
        second.BeginOutputReadLine();
        second.BeginErrorReadLine();
        try
        {
            await second.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(deadline, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"The second server on {DataDirectory} was still running after {deadline.TotalSeconds:0} s.");
        }
        // WaitForExit without a timeout also waits for the redirected output to be read to its end.
        second.WaitForExit();
        lock (output)
        {
            return (second.ExitCode, output.ToString());
        }
    }

    private static ProcessStartInfo StartInfo(string databasePath, int port)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Orleans.AgentChannel.WebFrontend.dll"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["AgentChannel__OperatorToken"] = AgentChannelServer.OperatorToken;
        start.Environment["AgentChannel__Storage__SqlitePath"] = databasePath;
        start.Environment["AgentChannel__Silo__SiloPort"] = AgentChannelServer.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AgentChannel__Silo__GatewayPort"] = AgentChannelServer.FreePort().ToString(CultureInfo.InvariantCulture);
        start.Environment["AgentChannel__Silo__ClusterId"] = $"test-{Guid.NewGuid():N}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return start;
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Address };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _database.Dispose();
    }
}
