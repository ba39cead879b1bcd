using Orleans.AgentChannel.Bench;

// dotnet run -c Release --project bench -- [scenario]   (scenarios: message-log; default: all)
var scenario = args.FirstOrDefault() ?? "all";
if (scenario is "all" or "message-log")
{
    await MessageLogGrowth.Run(args.Skip(1).ToArray());
}
else
{
    Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: message-log.");
    return 2;
}
return 0;
