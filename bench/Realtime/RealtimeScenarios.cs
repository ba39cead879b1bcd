using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Bench.Realtime;

/// <summary>
/// End-to-end figures over real WebSockets against the real host (embedded silo, SQLite, stored before ack),
/// each beside a baseline from the same run: the bare Kestrel echo for transport, raw SQLite for storage.
/// Client and server share this process and its cores, as they would on one machine.
/// </summary>
public static partial class RealtimeScenarios
{
    private const int Window = 8;
    private static readonly object WorkRequirements = new { capabilities = new[] { "bench-work" } };
    private static readonly string[] AwayRecipient = ["away"];
    private static readonly TimeSpan Measure = TimeSpan.FromSeconds(10);
    // Not counted in a round: grain activations, the first inbox rows and the client windows filling up.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProcessWarmUp = TimeSpan.FromSeconds(25);
    // Each memory phase run once unmeasured before it is measured (the process warm-up drives messages only).
    private static readonly TimeSpan MemoryWarmUp = TimeSpan.FromSeconds(5);
    private static bool _warm;

    public static async Task Direct(string[] args)
    {
        await WarmUpProcess();
        var counts = Arguments.List(args, 0, [10, 100, 1000]);
        var measure = TimeSpan.FromSeconds(Arguments.Number(args, 1, (int)Measure.TotalSeconds));
        await using var echo = await EchoBaseline.Start();
        Console.WriteLine("| connected agents | delivered msgs/s | latency p50 / p95 / p99 ms | echo round trips/s (same sockets, window, frame size) | ratio to echo |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var count in counts)
        {
            await using var server = await BenchServer.Start();
            var (rate, latencies, frameBytes) = await DirectRate(server, count, measure);
            var echoRate = await echo.Rate(count, Window, frameBytes, measure);
            Console.WriteLine($"| {count:N0} | {rate:N0} | {latencies.Format()} | {echoRate:N0} | {rate / echoRate:P0} |");
        }
    }

    public static async Task FixedRate(string[] args)
    {
        await WarmUpProcess();
        var agents = Arguments.Number(args, 0, 1000);
        var perSecond = Arguments.Number(args, 1, 5000);
        await using var server = await BenchServer.Start();
        var latencies = new Latencies();
        var delivered = 0L;
        var connected = await ConnectMany(server, agents, "paced", onPush: (_, name, _, data) =>
        {
            if (name == "message:received")
            {
                latencies.Add(Clock.Since(data.GetProperty("content").GetString()!));
                Interlocked.Increment(ref delivered);
            }
        });
        var sent = 0L;
        Console.Error.WriteLine("measuring");
        var cpu = new CpuMeter();
        var started = Clock.NowMs;
        var stopAt = started + Measure.TotalMilliseconds;
        var random = new Random(7);
        var inFlight = new List<Task>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (Clock.NowMs < stopAt && await timer.WaitForNextTickAsync())
        {
            // What is due by now, not a fixed count per tick: a late tick must not lower the offered rate.
            var due = (long)((Clock.NowMs - started) / 1000 * perSecond) - sent;
            for (var i = 0; i < due; i++)
            {
                var from = connected[random.Next(agents)];
                var to = connected[random.Next(agents)];
                inFlight.Add(from.Request("message:send", new { recipients = new[] { to.Name }, content = Clock.Stamp() }));
                sent++;
            }
        }
        var cpuShare = cpu.Share;
        await Task.WhenAll(inFlight);
        await WaitUntil(() => Interlocked.Read(ref delivered) >= sent, TimeSpan.FromSeconds(30));
        Console.WriteLine("| connected agents | offered msgs/s | delivered | latency p50 / p95 / p99 ms | CPU while sending (server + generator) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {agents:N0} | {perSecond:N0} | {delivered:N0} of {sent:N0} | {latencies.Format()} | {cpuShare:P0} |");
        await DisposeAll(connected);
    }

    public static async Task Fanout(string[] args)
    {
        await WarmUpProcess();
        var sizes = Arguments.List(args, 0, [100, 1000]);
        Console.WriteLine("| channel members | messages posted | deliveries/s | latency p50 / p95 / p99 ms |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var members in sizes)
        {
            await using var server = await BenchServer.Start();
            var latencies = new Latencies();
            var delivered = 0L;
            var connected = await ConnectMany(server, members, "member", onPush: (_, name, _, data) =>
            {
                if (name == "message:received")
                {
                    latencies.Add(Clock.Since(data.GetProperty("content").GetString()!));
                    Interlocked.Increment(ref delivered);
                }
            });
            await Parallel.ForEachAsync(connected, new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (agent, _) => await agent.Request("channel:join", new { channel = "bench" }));
            await using var poster = await BenchAgent.Connect(server.Address, "poster");
            await poster.Request("channel:join", new { channel = "bench" });
            var posts = Math.Max(20, 50_000 / members);
            var started = Clock.NowMs;
            await Pipelined(posts, Window, _ => poster.Request("message:send", new { channel = "bench", content = Clock.Stamp() }));
            var expected = (long)posts * members;
            await WaitUntil(() => Interlocked.Read(ref delivered) >= expected, TimeSpan.FromMinutes(5));
            var rate = expected / ((Clock.NowMs - started) / 1000);
            Console.WriteLine($"| {members:N0} | {posts:N0} | {rate:N0} | {latencies.Format()} |");
            await DisposeAll(connected);
        }
    }

    public static async Task Tasks(string[] args)
    {
        await WarmUpProcess();
        var tasks = Arguments.Number(args, 0, 2000);
        await using var server = await BenchServer.Start();
        var completed = 0L;
        var completeOnAssignment = true;
        var workers = await ConnectMany(server, 100, "worker", ["bench-work"], onPush: (worker, name, seq, data) =>
        {
            if (name == "task:assigned" && Volatile.Read(ref completeOnAssignment))
            {
                var id = data.GetProperty("id").GetString();
                _ = worker.Request("task:complete", new { task_id = id, result = new { ok = true } })
                    .ContinueWith(done => { if (done.IsCompletedSuccessfully) { Interlocked.Increment(ref completed); } }, TaskScheduler.Default);
            }
        });
        await using var creator = await BenchAgent.Connect(server.Address, "creator");
        async Task<double> Cycles(int count, string title)
        {
            var done = Interlocked.Read(ref completed) + count;
            var started = Clock.NowMs;
            await Pipelined(count, 32, i => creator.Request("task:create", new { title = $"{title}{i}", requirements = WorkRequirements }));
            await WaitUntil(() => Interlocked.Read(ref completed) >= done, TimeSpan.FromMinutes(5));
            return count / ((Clock.NowMs - started) / 1000);
        }
        // The process warm-up drove messages only; the task path's code still compiles (tiered JIT took ~24 % of
        // the CPU in a first task run), so a first round is not counted.
        await Cycles(tasks, "warm-up ");
        Console.Error.WriteLine("measuring");
        var cycles = await Cycles(tasks, "t");

        // Claim contention: every worker busy (the engine hands nothing out), then all of them claim at once;
        // a claimed task is pushed as task:assigned too, and now its claimer completes it, not the push handler.
        Volatile.Write(ref completeOnAssignment, false);
        await Parallel.ForEachAsync(workers, async (worker, _) => await worker.Request("agent:heartbeat", new { status = "busy" }));
        await Pipelined(tasks, 32, i => creator.Request("task:create", new { title = $"c{i}", requirements = WorkRequirements }));
        var claimed = 0L;
        var empty = 0L;
        var claimStarted = Clock.NowMs;
        await Task.WhenAll(workers.Select(async worker =>
        {
            while (true)
            {
                var reply = await worker.Request("task:claim");
                if (reply.GetProperty("task").ValueKind == JsonValueKind.Null)
                {
                    Interlocked.Increment(ref empty);
                    return;
                }
                Interlocked.Increment(ref claimed);
                await worker.Request("task:complete", new { task_id = reply.GetProperty("task").GetProperty("id").GetString() });
            }
        }));
        var claims = claimed / ((Clock.NowMs - claimStarted) / 1000);
        Console.WriteLine("| workers | tasks | create → assigned → completed cycles/s | claim + complete/s (100 claimers racing) | tasks claimed |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| 100 | {tasks:N0} | {cycles:N0} | {claims:N0} | {claimed:N0} of {tasks:N0} |");
        await DisposeAll(workers);
    }

    public static async Task Memory(string[] args)
    {
        await WarmUpProcess();
        var writers = Arguments.Number(args, 0, 50);
        await using var server = await BenchServer.Start();
        var agents = await ConnectMany(server, writers, "writer");
        await agents[0].Request("memory:set", new { key = "bench/hot", value = new { n = 0 } });

        // The process warm-up drives messages only: each phase runs once unmeasured first, so the memory paths are
        // compiled (tiered JIT was 12 % of the CPU samples of a hot key phase run first).
        Console.Error.WriteLine($"warming up the memory paths for {3 * MemoryWarmUp.TotalSeconds:N0} s...");
        await HotKeyWrites(agents, MemoryWarmUp);
        await KeyEachWrites(agents, MemoryWarmUp, "warm-up");
        await MemoryReads(agents, MemoryWarmUp, "warm-up");
        Console.Error.WriteLine("measuring");

        var (hotRate, conflicts) = await HotKeyWrites(agents, Measure);
        var manyRate = await KeyEachWrites(agents, Measure, "measured");
        var readRate = await MemoryReads(agents, Measure, "measured");
        Console.WriteLine("| writers | CAS writes/s, one hot key (conflicts) | CAS writes/s, a key each | reads/s |");
        Console.WriteLine("|---:|---:|---:|---:|");
        Console.WriteLine($"| {writers} | {hotRate:N0} ({conflicts:N0}) | {manyRate:N0} | {readRate:N0} |");
        await DisposeAll(agents);
    }

    /// <summary>One hot key: read the version, write with it, on conflict take the current version and try again.</summary>
    private static async Task<(double Rate, long Conflicts)> HotKeyWrites(BenchAgent[] agents, TimeSpan duration)
    {
        var writes = 0L;
        var conflicts = 0L;
        var started = Clock.NowMs;
        var stopAt = started + duration.TotalMilliseconds;
        await Task.WhenAll(agents.Select(async agent =>
        {
            var version = (await agent.Request("memory:get", new { key = "bench/hot" })).GetProperty("version").GetInt64();
            while (Clock.NowMs < stopAt)
            {
                try
                {
                    version = (await agent.Request("memory:set", new { key = "bench/hot", value = new { by = agent.Name }, expected_version = version }))
                        .GetProperty("version").GetInt64();
                    Interlocked.Increment(ref writes);
                }
                catch (InvalidOperationException conflict) when (conflict.Message.Contains("current_version", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref conflicts);
                    version = (await agent.Request("memory:get", new { key = "bench/hot" })).GetProperty("version").GetInt64();
                }
            }
        }));
        return (writes / ((Clock.NowMs - started) / 1000), conflicts);
    }

    /// <summary>Many keys: each writer owns a key (under <paramref name="round"/>), so every compare-and-set succeeds.</summary>
    private static async Task<double> KeyEachWrites(BenchAgent[] agents, TimeSpan duration, string round)
    {
        var writes = 0L;
        var started = Clock.NowMs;
        var stopAt = started + duration.TotalMilliseconds;
        await Task.WhenAll(agents.Select(async agent =>
        {
            var version = 0L;
            while (Clock.NowMs < stopAt)
            {
                version = (await agent.Request("memory:set", new { key = $"bench/{round}/{agent.Name}", value = new { n = version }, expected_version = version }))
                    .GetProperty("version").GetInt64();
                Interlocked.Increment(ref writes);
            }
        }));
        return writes / ((Clock.NowMs - started) / 1000);
    }

    /// <summary>Reads spread over the keys <see cref="KeyEachWrites"/> wrote in <paramref name="round"/>, pipelined like real agents.</summary>
    private static async Task<double> MemoryReads(BenchAgent[] agents, TimeSpan duration, string round)
    {
        var reads = 0L;
        var started = Clock.NowMs;
        var stopAt = started + duration.TotalMilliseconds;
        await Task.WhenAll(agents.Select(agent => Pipelined(int.MaxValue, Window, i =>
            Clock.NowMs < stopAt
                ? agent.Request("memory:get", new { key = $"bench/{round}/{agents[i % agents.Length].Name}" }).ContinueWith(_ => Interlocked.Increment(ref reads), TaskScheduler.Default)
                : Task.FromCanceled(new CancellationToken(true)))));
        return reads / ((Clock.NowMs - started) / 1000);
    }

    public static async Task Replay(string[] args)
    {
        await WarmUpProcess();
        var backlog = Arguments.Number(args, 0, 100_000);
        await using var server = await BenchServer.Start();
        string token;
        await using (var away = await BenchAgent.Connect(server.Address, "away"))
        {
            token = away.Token;
        }
        var senders = await ConnectMany(server, 10, "sender");
        Console.Error.WriteLine($"storing a backlog of {backlog:N0} messages...");
        var perSender = backlog / senders.Length;
        await Task.WhenAll(senders.Select(sender => Pipelined(perSender, 32, i =>
            sender.Request("message:send", new { recipients = AwayRecipient, content = $"backlog {i}" }))));
        var received = 0L;
        var started = Clock.NowMs;
        await using var back = await BenchAgent.Connect(server.Address, "away", token: token, lastSeq: 0,
            onPush: (_, name, _, _) => { if (name == "message:received") { Interlocked.Increment(ref received); } });
        await WaitUntil(() => Interlocked.Read(ref received) >= perSender * senders.Length, TimeSpan.FromMinutes(5));
        var seconds = (Clock.NowMs - started) / 1000;
        Console.WriteLine("| backlog | replay time (register → last event received) | events/s |");
        Console.WriteLine("|---:|---:|---:|");
        Console.WriteLine($"| {perSender * senders.Length:N0} | {seconds:N2} s | {perSender * senders.Length / seconds:N0} |");
        await DisposeAll(senders);
    }

    public static async Task History(string[] args)
    {
        await WarmUpProcess();
        var history = Arguments.Number(args, 0, 1_000_000);
        await using var server = await BenchServer.Start();
        var (empty, emptyLatency, _) = await DirectRate(server, 100, Measure);
        Console.Error.WriteLine($"filling the log to {history:N0} messages...");
        var options = Options.Create(new StorageOptions { SqlitePath = server.DatabasePath });
        MessageLogGrowth.Fill(new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance), history);
        var (full, fullLatency, _) = await DirectRate(server, 100, Measure);
        Console.WriteLine("| stored messages | delivered msgs/s (100 agents) | latency p50 / p95 / p99 ms |");
        Console.WriteLine("|---:|---:|---:|");
        Console.WriteLine($"| ~0 | {empty:N0} | {emptyLatency.Format()} |");
        Console.WriteLine($"| {history:N0} | {full:N0} | {fullLatency.Format()} |");
        Console.WriteLine($"rate with {history:N0} stored vs empty: {full / empty:P0}");
    }

    /// <summary>
    /// A server runs for days; a fresh process spends its first ~30 s of load compiling (tiered JIT took 11-15 %
    /// of the CPU 15-30 s into a run, and a first round measured about half of a second one in the same
    /// process). So the first scenario in a process first drives a throwaway server for a while.
    /// </summary>
    private static async Task WarmUpProcess()
    {
        if (_warm)
        {
            return;
        }
        _warm = true;
        Console.Error.WriteLine($"warming up the process for {ProcessWarmUp.TotalSeconds:N0} s...");
        await using var server = await BenchServer.Start();
        await DirectRate(server, 20, ProcessWarmUp);
    }

    /// <summary>Every agent sends to the next one, <see cref="Window"/> sends in flight each, for <paramref name="duration"/>.</summary>
    private static async Task<(double Rate, Latencies Latencies, int FrameBytes)> DirectRate(BenchServer server, int count, TimeSpan duration)
    {
        var latencies = new Latencies();
        var delivered = 0L;
        var measuring = false;
        var prefix = $"d{Guid.NewGuid():N}"[..8];
        var agents = await ConnectMany(server, count, prefix, onPush: (agent, name, seq, data) =>
        {
            if (name != "message:received")
            {
                return;
            }
            if (Volatile.Read(ref measuring))
            {
                latencies.Add(Clock.Since(data.GetProperty("content").GetString()!));
                Interlocked.Increment(ref delivered);
            }
            if (seq % 100 == 0)
            {
                _ = agent.Request("inbox:ack", new { seq });
            }
        });
        var frameBytes = JsonSerializer.SerializeToUtf8Bytes(new { @event = "message:send", id = "12345",
            data = new { recipients = new[] { agents[0].Name }, content = Clock.Stamp() } }).Length;
        var warmUpUntil = Clock.NowMs + WarmUp.TotalMilliseconds;
        var stopAt = warmUpUntil + duration.TotalMilliseconds;
        var started = 0.0;
        var sending = Task.WhenAll(agents.Select((agent, index) => Pipelined(int.MaxValue, Window, _ =>
            Clock.NowMs < stopAt
                ? agent.Request("message:send", new { recipients = new[] { agents[(index + 1) % count].Name }, content = Clock.Stamp() })
                : Task.FromCanceled(new CancellationToken(true)))));
        await Task.Delay(TimeSpan.FromMilliseconds(warmUpUntil - Clock.NowMs));
        started = Clock.NowMs;
        Console.Error.WriteLine("measuring");
        Volatile.Write(ref measuring, true);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, false);
        var rate = Interlocked.Read(ref delivered) / ((Clock.NowMs - started) / 1000);
        await sending;
        await DisposeAll(agents);
        return (rate, latencies, frameBytes);
    }

    private static Task<BenchAgent[]> ConnectMany(BenchServer server, int count, string prefix, string[]? capabilities = null,
        Action<BenchAgent, string, long, JsonElement>? onPush = null) =>
        ConnectMany(_ => server.Address, count, prefix, capabilities, onPush);

    /// <param name="address">Where agent i connects (a cluster splits its agents across gateways).</param>
    private static async Task<BenchAgent[]> ConnectMany(Func<int, Uri> address, int count, string prefix, string[]? capabilities = null,
        Action<BenchAgent, string, long, JsonElement>? onPush = null)
    {
        var agents = new BenchAgent[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            agents[i] = await BenchAgent.Connect(address(i), $"{prefix}-{i}", capabilities, onPush: onPush));
        // Every agent hears every later one join: n agents connecting make n(n-1)/2 agent:joined pushes (500,000
        // for 1,000), still draining seconds later. Measure the traffic, not that.
        var settling = Clock.NowMs;
        await WaitUntil(() => BenchAgent.SinceLastPushMs > 1000, TimeSpan.FromMinutes(3));
        Console.Error.WriteLine($"{count:N0} agents connected; their presence events settled in {(Clock.NowMs - settling) / 1000:N1} s");
        return agents;
    }

    /// <summary>Runs <paramref name="count"/> requests with at most <paramref name="window"/> in flight; a canceled request ends the run.</summary>
    private static async Task Pipelined(int count, int window, Func<int, Task> request)
    {
        using var credits = new SemaphoreSlim(window);
        var inFlight = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            await credits.WaitAsync();
            var call = request(i);
            if (call.IsCanceled)
            {
                break;
            }
            inFlight.Add(call.ContinueWith(_ => credits.Release(), TaskScheduler.Default));
            if (inFlight.Count > 4096)
            {
                inFlight.RemoveAll(task => task.IsCompleted);
            }
        }
        await Task.WhenAll(inFlight);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan deadline)
    {
        var giveUpAt = Clock.NowMs + deadline.TotalMilliseconds;
        while (!condition())
        {
            if (Clock.NowMs > giveUpAt)
            {
                throw new TimeoutException("The run did not finish in time: events were lost or delivery stalled.");
            }
            await Task.Delay(10);
        }
    }

    private static async Task DisposeAll(IEnumerable<BenchAgent> agents)
    {
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }
}
