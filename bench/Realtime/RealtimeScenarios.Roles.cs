namespace Orleans.AgentChannel.Bench.Realtime;

public static partial class RealtimeScenarios
{
    private const string RoleCapability = "bench-role";

    /// <summary>
    /// Messages addressed to a capability (docs/api.md 4.2, "Role addressing") beside what they replace: <c>any</c>
    /// against the same messages naming one of the agents, <c>all</c> against the same posts to a channel whose members are
    /// those agents. The difference is the resolution: the agents index read by the messages grain per send.
    /// </summary>
    public static async Task Roles(string[] args)
    {
        await WarmUpProcess();
        var sizes = Arguments.List(args, 0, [100, 1000]);
        Console.WriteLine("| agents with the capability | addressed as | messages sent | deliveries | deliveries/s | latency p50 / p95 / p99 ms |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var holders in sizes)
        {
            await using var server = await BenchServer.Start();
            var latencies = new Latencies();
            var delivered = 0L;
            var agents = await ConnectMany(server, holders, "holder", [RoleCapability], onPush: (_, name, _, data) =>
            {
                if (name == "message:received")
                {
                    latencies.Add(Clock.Since(data.GetProperty("content").GetString()!));
                    Interlocked.Increment(ref delivered);
                }
            });
            await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (agent, _) => await agent.Request("channel:join", new { channel = "bench-role" }));
            await using var sender = await BenchAgent.Connect(server.Address, "role-sender");
            await sender.Request("channel:join", new { channel = "bench-role" });

            async Task Round(string addressedAs, int messages, int perMessage, Func<int, object> draft)
            {
                latencies = new Latencies();
                var expected = Interlocked.Read(ref delivered) + (long)messages * perMessage;
                var started = Clock.NowMs;
                await Pipelined(messages, Window, i => sender.Request("message:send", draft(i)));
                await WaitUntil(() => Interlocked.Read(ref delivered) >= expected, TimeSpan.FromMinutes(5));
                var rate = (long)messages * perMessage / ((Clock.NowMs - started) / 1000);
                Console.WriteLine($"| {holders:N0} | {addressedAs} | {messages:N0} | {(long)messages * perMessage:N0} | {rate:N0} | {latencies.Format()} |");
            }

            // A first round of each kind is not counted: activations and JIT of the path.
            await Round("(warm-up, not counted)", 200, 1, _ => new { to_capability = RoleCapability, content = Clock.Stamp() });
            // With equal task loads `any` picks the same agent every time (the engine's tie-break: name), so the
            // baseline names that agent.
            var before = Interlocked.Read(ref delivered);
            var chosen = (await sender.Request("message:send", new { to_capability = RoleCapability, content = Clock.Stamp() }))
                .GetProperty("recipients")[0].GetString()!;
            await WaitUntil(() => Interlocked.Read(ref delivered) > before, TimeSpan.FromMinutes(1));
            const int singles = 2000;
            await Round("`recipients`: the agent `any` picks", singles, 1, _ => new { recipients = new[] { chosen }, content = Clock.Stamp() });
            await Round("`to_capability`, mode `any`", singles, 1, _ => new { to_capability = RoleCapability, content = Clock.Stamp() });
            var posts = Math.Max(20, 50_000 / holders);
            await Round("`channel` with them as members", posts, holders, _ => new { channel = "bench-role", content = Clock.Stamp() });
            await Round("`to_capability`, mode `all`", posts, holders, _ => new { to_capability = RoleCapability, mode = "all", content = Clock.Stamp() });
            await DisposeAll(agents);
        }
    }
}
