using Orleans.AgentChannel.Bench;

// dotnet run -c Release --project bench -- [scenario] [args]   (scenarios: message-log, task-engine; default: all)
var scenario = args.FirstOrDefault() ?? "all";
var rest = args.Skip(1).ToArray();
switch (scenario)
{
    case "message-log":
        await MessageLogGrowth.Run(rest);
        break;
    case "task-engine":
        await TaskEngineThroughput.Run(rest);
        break;
    case "all":
        await MessageLogGrowth.Run(rest);
        await TaskEngineThroughput.Run(rest);
        break;
    default:
        Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: message-log, task-engine.");
        return 2;
}
return 0;
