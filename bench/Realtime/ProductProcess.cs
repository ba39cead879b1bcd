using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// One product process (a <c>Silo</c> or a client-mode <c>WebFrontend</c> gateway) started from its apphost in an
/// empty temporary working directory and configured by environment variables, as tests/Cluster.Tests starts them
/// (the bench keeps its own copy: it does not depend on the test projects); killed by pid.
/// </summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private readonly string _directoryOfProgram;
    private readonly string _program;
    private readonly string _readyLine;
    private readonly Dictionary<string, string> _environment;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "agentchannel-bench-cluster", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private ProductProcess(string name, string directoryOfProgram, string program, string readyLine, Dictionary<string, string> environment)
    {
        Name = name;
        _directoryOfProgram = directoryOfProgram;
        _program = program;
        _readyLine = readyLine;
        _environment = environment;
    }

    public static ProductProcess Silo(string name, IReadOnlyDictionary<string, string> cluster) =>
        new(name, SiloDirectory, "Orleans.AgentChannel.Silo", "Silo active:", new Dictionary<string, string>(cluster)
        {
            ["AgentChannel__Silo__SiloPort"] = BenchServer.FreePort().ToString(CultureInfo.InvariantCulture),
            ["AgentChannel__Silo__GatewayPort"] = BenchServer.FreePort().ToString(CultureInfo.InvariantCulture),
        });

    public static ProductProcess Gateway(string name, IReadOnlyDictionary<string, string> cluster)
    {
        var httpPort = BenchServer.FreePort();
        // The WebFrontend's apphost is copied beside the bench (a project reference); it runs on its own deps.json.
        return new(name, AppContext.BaseDirectory, "Orleans.AgentChannel.WebFrontend", "is running on", new Dictionary<string, string>(cluster)
        {
            ["AgentChannel__Mode"] = "Client",
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
        })
        {
            Address = new Uri($"http://127.0.0.1:{httpPort}"),
        };
    }

    /// <summary>The Silo's own build output, where it runs from (copied here it would resolve against the bench's dependencies).</summary>
    public static string SiloDirectory { get; } = typeof(ProductProcess).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "SiloDirectory").Value!;

    public string Name { get; }

    /// <summary>The gateway's HTTP address (null for a silo).</summary>
    public Uri? Address { get; private init; }

    public int Pid => _process?.Id ?? throw new InvalidOperationException($"{Name} has not started.");

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>The last lines the process printed, for an error message.</summary>
    public string Output => $"--- {Name} ---{Environment.NewLine}{string.Join(Environment.NewLine, _output.TakeLast(40))}";

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
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{Name} exited before it was ready.{Environment.NewLine}{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not get ready in 120 s.{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Kills the process as a crash would (SIGKILL by pid): nothing runs after it.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
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

    private void Record(string? line, TaskCompletionSource ready)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
        if (line.Contains(_readyLine, StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}

/// <summary>CPU time as Linux accounts it: utime + stime from /proc.</summary>
public static class ProcCpu
{
    // /proc reports clock ticks of USER_HZ, which the kernel's ABI fixes at 100 on the architectures .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of <paramref name="pid"/> (/proc/&lt;pid&gt;/stat fields 14 and 15); null once it has exited.</summary>
    public static TimeSpan? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>CPU time every core of the machine spent busy (not idle, not waiting for I/O), from /proc/stat.</summary>
    public static TimeSpan MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user).
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }

    /// <summary>The 1-minute load average.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
