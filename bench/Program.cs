using Orleans.AgentChannel.Bench;
using Orleans.AgentChannel.Bench.Realtime;

// dotnet run -c Release --project bench -- [scenario] [args] [--postgres <connection string>]   (default: all; see bench/README.md)
// With --postgres the server under test stores in a fresh database on that PostgreSQL server instead of SQLite.
BenchServer.Postgres = Arguments.Option(ref args, "--postgres");
var scenarios = new Dictionary<string, Func<string[], Task>>
{
    ["direct"] = RealtimeScenarios.Direct,
    ["client-direct"] = RealtimeScenarios.ClientDirect,
    ["paced"] = RealtimeScenarios.FixedRate,
    ["fanout"] = RealtimeScenarios.Fanout,
    ["roles"] = RealtimeScenarios.Roles,
    ["tasks"] = RealtimeScenarios.Tasks,
    ["memory"] = RealtimeScenarios.Memory,
    ["replay"] = RealtimeScenarios.Replay,
    ["history"] = RealtimeScenarios.History,
    ["message-log"] = MessageLogGrowth.Run,
    ["task-engine"] = TaskEngineThroughput.Run,
    ["plugins"] = PluginOverhead.Run,
    ["stats"] = StatsQueries.Run,
    ["history-queries"] = HistoryQueries.Run,
    ["artifacts"] = ArtifactTransfers.Run,
    ["search-queries"] = SearchQueries.Run,
    ["search-queries-pg"] = SearchQueriesPostgres.Run,
    ["cluster"] = RealtimeScenarios.Cluster,
};
var scenario = args.FirstOrDefault() ?? "all";
var rest = args.Skip(1).ToArray();
if (scenario == "all")
{
    foreach (var (name, run) in scenarios)
    {
        if (name is "cluster" or "search-queries-pg" && BenchServer.Postgres is null && Environment.GetEnvironmentVariable("AGENTCHANNEL_TEST_POSTGRES") is null)
        {
            Console.WriteLine($"## {name}: skipped, it needs PostgreSQL (--postgres or AGENTCHANNEL_TEST_POSTGRES)");
            continue;
        }
        Console.WriteLine($"## {name}");
        await run([]);
        Console.WriteLine();
    }
    return 0;
}
if (!scenarios.TryGetValue(scenario, out var chosen))
{
    Console.Error.WriteLine($"Unknown scenario '{scenario}'. Known: {string.Join(", ", scenarios.Keys)}, all.");
    return 2;
}
await chosen(rest);
return 0;
