using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Client;
using Orleans.AgentChannel.Samples;

// A C# agent that completes tasks needing one capability, over the Orleans gateway of the one-command server:
//   dotnet run --project src/WebFrontend
//   dotnet run --project samples/TaskWorker -- summarizer summarize            (gateway localhost:30000)
//   dotnet run --project samples/TaskWorker -- summarizer summarize host:30000
if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: TaskWorker <agent name> <capability> [gateway host:port, default localhost:30000]");
    return 2;
}
var (name, capability) = (args[0], args[1]);
var gateway = args.Length == 3 ? await Gateway(args[2]) : new IPEndPoint(IPAddress.Loopback, AgentClientOptions.DefaultGatewayPort);

using var loggers = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss ";
    })
    .AddFilter("Orleans", LogLevel.Warning)
    .AddFilter("Orleans.AgentChannel", LogLevel.Information));
using var stop = new CancellationTokenSource();
// Ctrl+C, kill and docker stop all end the worker the same way: it finishes the task in hand and disconnects.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    await using var agent = await AgentClient.ConnectAsync(new AgentClientOptions
    {
        Name = name,
        Type = "worker",
        Capabilities = [capability],
        Gateways = [gateway],
        LoggerFactory = loggers,
    }, stop.Token);
    await new TaskWorker(agent, capability, loggers.CreateLogger<TaskWorker>()).RunAsync(stop.Token);
    return 0;
}
catch (AgentRequestException refused)
{
    Console.Error.WriteLine($"{refused.WireCode}: {refused.Message}");
    return 1;
}

void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    stop.Cancel();
}

static async Task<IPEndPoint> Gateway(string hostAndPort)
{
    var separator = hostAndPort.LastIndexOf(':');
    if (separator <= 0 || !int.TryParse(hostAndPort[(separator + 1)..], out var port))
    {
        throw new ArgumentException($"'{hostAndPort}' is not host:port.");
    }
    var addresses = await Dns.GetHostAddressesAsync(hostAndPort[..separator]);
    return new IPEndPoint(addresses.OrderBy(address => address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(), port);
}
