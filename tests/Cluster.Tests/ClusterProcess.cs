using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// One product process (a <c>Silo</c> or a <c>WebFrontend</c> gateway) started from its apphost beside the
/// tests in an empty temporary working directory, configured by environment variables (over the appsettings.json
/// beside the program), killed by its pid.
/// </summary>
public sealed class ClusterProcess : IAsyncDisposable
{
    /// <summary>Ports given out by <see cref="FreePort"/> in this test run.</summary>
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    private readonly string _name;
    private readonly string _directoryOfProgram;
    private readonly string _program;
    private readonly string _readyLine;
    private readonly Dictionary<string, string> _environment;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agentchannel-cluster-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private ClusterProcess(string name, string directoryOfProgram, string program, string readyLine, Dictionary<string, string> environment)
    {
        _name = name;
        _directoryOfProgram = directoryOfProgram;
        _program = program;
        _readyLine = readyLine;
        _environment = environment;
    }

    public static ClusterProcess Silo(string name, IReadOnlyDictionary<string, string> cluster, int siloPort, int gatewayPort) =>
        new(name, SiloDirectory, "Orleans.AgentChannel.Silo", "Silo active:", new Dictionary<string, string>(cluster)
        {
            ["AgentChannel__Silo__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["AgentChannel__Silo__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        });

    public static ClusterProcess Gateway(string name, IReadOnlyDictionary<string, string> cluster, int httpPort) =>
        new(name, AppContext.BaseDirectory, "Orleans.AgentChannel.WebFrontend", "is running on", new Dictionary<string, string>(cluster)
        {
            ["AgentChannel__Mode"] = "Client",
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
        })
        {
            Address = new Uri($"http://127.0.0.1:{httpPort}"),
        };

    /// <summary>The Silo's own build output, where it runs from.</summary>
    public static string SiloDirectory { get; } = typeof(ClusterProcess).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "SiloDirectory").Value!;

    /// <summary>The gateway's HTTP address.</summary>
    public Uri? Address { get; private init; }

    public int? Pid => _process?.Id;

    /// <summary>What the process printed, for a failing test's message.</summary>
    public string Output => $"--- {_name} ---{Environment.NewLine}{string.Join(Environment.NewLine, _output.TakeLast(60))}";

    /// <summary>Whether a line the process printed (among its last 500) contains <paramref name="text"/>.</summary>
    public bool HasPrinted(string text) => _output.Any(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>Starts the process and returns once it prints that it is ready.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(_directory);
        var start = new ProcessStartInfo(Path.Combine(_directoryOfProgram, _program))
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        // Keep draining both pipes: a child whose output nobody reads blocks once a pipe is full.
        process.OutputDataReceived += (_, line) => Record(line.Data, ready);
        process.ErrorDataReceived += (_, line) => Record(line.Data, ready);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{_name} exited before it was ready.{Environment.NewLine}{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_name} did not get ready in 90 s.{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Kills the process as a crash would (SIGKILL by pid): nothing runs after it.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// A port nothing listens on now and that this test run has not handed out before: the processes of a cluster bind
    /// their ports only when they start, so the system could otherwise give one port to two of them.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    private void Record(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 500 && _output.TryDequeue(out _))
        {
        }
        if (line.Contains(_readyLine, StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
