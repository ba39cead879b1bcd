using System.Net;
using System.Net.Sockets;
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
    .AddFilter("Orleans", LogLevel.Warning));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    stop.Cancel();
};

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
