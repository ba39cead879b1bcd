using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.WebFrontend.Hosting;

try
{
    await AgentChannelHost.Build(args).RunAsync();
    return 0;
}
catch (Exception error) when (StartupRefusedException.Explain(error) is { } reason)
{
    Console.Error.WriteLine($"Cannot start: {reason}");
    return 2;
}
