using System.Globalization;

namespace Orleans.AgentChannel.Bench.Realtime;

public static partial class RealtimeScenarios
{
    // What a machine of the projection may spend: headroom for bursts, GC and failover.
    private const double TargetUtilization = 0.7;
    private const int CoresPerMachine = 2;
    private static readonly int[] ProjectedMachines = [1, 2, 4, 8, 16];
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The scale-out deployment as processes on this machine: 1, 2 and 3 <c>Silo</c> processes on a fresh PostgreSQL
    /// database and two client-mode gateways, driven over WebSockets through both gateways (each agent's peer is on
    /// the other gateway). Per round: rates, latency and each process's CPU seconds per 1,000 operations; then the cost
    /// of distribution, a projection to N machines, and a run in which a silo is killed under load.
    /// </summary>
    public static async Task Cluster(string[] args)
    {
        var postgres = BenchServer.Postgres ?? Environment.GetEnvironmentVariable("AGENTCHANNEL_TEST_POSTGRES")
            ?? throw new ArgumentException("cluster needs PostgreSQL: --postgres <connection string> or AGENTCHANNEL_TEST_POSTGRES.");
        var siloCounts = Arguments.List(args, 0, [1, 2, 3]);
        var measure = TimeSpan.FromSeconds(Arguments.Number(args, 1, 15));
        var killSilos = Arguments.Number(args, 2, 3);
        if (killSilos == 1)
        {
            throw new ArgumentException("The kill run needs at least 2 silos: one is killed, the others carry on (0 skips it).");
        }
        Console.Error.WriteLine($"load average at start: {ProcCpu.LoadAverage():N2}");

        var rounds = new List<ClusterRound>();
        foreach (var silos in siloCounts)
        {
            Console.Error.WriteLine($"starting {silos} silo(s) and 2 gateways...");
            await using var cluster = await BenchCluster.Start(postgres, silos);
            // Fresh processes: the first phase warms up long enough for tiered JIT to settle in every one of them.
            var direct = await ClusterDirect(cluster, 100, ProcessWarmUp, measure);
            List<ClusterRound> these = [new ClusterRound(silos, "direct msgs", direct.Rate, direct.Latencies, direct.Window)];
            these.Add(await ClusterTasks(cluster, silos, WarmUp, measure));
            these.AddRange(await ClusterMemory(cluster, silos, TimeSpan.FromSeconds(5), measure));
            // What the processes spend with no traffic (membership probes, timers, reminders, GC): a cost per
            // machine, not per operation, which at low rates would otherwise inflate the per-operation figures.
            Console.Error.WriteLine("measuring idle");
            var idleGate = new Gate();
            var idle = (await MeasureWindow(cluster, idleGate, TimeSpan.FromSeconds(5), IdleWindow)).Cpu;
            rounds.AddRange(these.Select(round => round with { Idle = idle }));
        }
        PrintRounds(rounds);
        PrintIdle(rounds);
        PrintDistribution(rounds);
        PrintProjection(rounds);

        if (killSilos > 0)
        {
            await ClusterKill(postgres, killSilos, measure);
        }
    }

    /// <param name="Idle">The same cluster's CPU over <see cref="IdleWindow"/> without traffic.</param>
    private sealed record ClusterRound(int Silos, string Scenario, double Rate, Latencies Latencies, MeasuredWindow Window, CpuUse? Idle = null)
    {
        /// <summary>CPU seconds per 1,000 operations (= CPU milliseconds per operation).</summary>
        public double PerThousand(double cpuSeconds) => cpuSeconds / (Rate * Window.Cpu.Seconds) * 1000;

        public double Serving => PerThousand(Window.Cpu.Silos + Window.Cpu.GatewaysTotal + Window.Cpu.Of("PostgreSQL"));

        /// <summary>Silos and gateways with no traffic, in cores.</summary>
        public double IdleTierCores => Idle is null ? 0 : (Idle.Silos + Idle.GatewaysTotal) / Idle.Seconds;

        public double IdlePostgresCores => Idle is null ? 0 : Idle.Of("PostgreSQL") / Idle.Seconds;

        /// <summary>Silo + gateway CPU ms per operation above what they spend idle.</summary>
        public double TierAboveIdle => PerThousand(Window.Cpu.Silos + Window.Cpu.GatewaysTotal - IdleTierCores * Window.Cpu.Seconds);

        public double PostgresAboveIdle => PerThousand(Window.Cpu.Of("PostgreSQL") - IdlePostgresCores * Window.Cpu.Seconds);
    }

    /// <summary>The measured part of a phase: CPU per part, and the machine's 1-minute load average at its start and end.</summary>
    private sealed record MeasuredWindow(CpuUse Cpu, double LoadAtStart, double LoadAtEnd);

    /// <summary>Whether a phase is in its measured window, and when that began.</summary>
    private sealed class Gate
    {
        private volatile bool _on;

        public bool On => _on;

        public double StartedMs { get; private set; }

        public void Open()
        {
            StartedMs = Clock.NowMs;
            _on = true;
        }

        public void Close() => _on = false;
    }

    private sealed class Tally
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add() => Interlocked.Increment(ref _value);
    }

    /// <summary>Waits out the warm-up, then measures for <paramref name="measure"/>; <paramref name="midway"/> runs that far into it.</summary>
    private static async Task<MeasuredWindow> MeasureWindow(BenchCluster cluster, Gate gate, TimeSpan warmUp, TimeSpan measure,
        (TimeSpan At, Func<Task> Act)? midway = null)
    {
        await Task.Delay(warmUp);
        var loadAtStart = ProcCpu.LoadAverage();
        var before = await cluster.Sample();
        Console.Error.WriteLine("measuring");
        gate.Open();
        if (midway is { } step)
        {
            await Task.Delay(step.At);
            await step.Act();
            await Task.Delay(measure - step.At);
        }
        else
        {
            await Task.Delay(measure);
        }
        gate.Close();
        var after = await cluster.Sample();
        return new MeasuredWindow(after.Since(before), loadAtStart, ProcCpu.LoadAverage());
    }

    /// <param name="Silent">Agents that received nothing in the last 5 s of the window (their live pushes stopped).</param>
    private sealed record DirectRun(double Rate, Latencies Latencies, MeasuredWindow Window, long[] PerSecond, long Failed, bool Unanswered, int Silent);

    /// <summary>
    /// <c>direct</c> across the gateways: agent i on gateway i mod 2 sends to agent i + 1, on the other gateway, with
    /// <see cref="Window"/> sends in flight each. Counts deliveries per second of the measured window.
    /// </summary>
    private static async Task<DirectRun> ClusterDirect(BenchCluster cluster, int count, TimeSpan warmUp, TimeSpan measure,
        (TimeSpan At, Func<Task> Act)? midway = null)
    {
        var latencies = new Latencies();
        var gate = new Gate();
        var delivered = new Tally();
        var failed = new Tally();
        var perSecond = new long[(int)Math.Ceiling(measure.TotalSeconds)];
        var lastDelivery = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        var agents = await ConnectMany(i => cluster.Gateways[i % 2].Address!, count, $"d{Guid.NewGuid():N}"[..8], onPush: (agent, name, seq, data) =>
        {
            if (name != "message:received")
            {
                return;
            }
            if (gate.On)
            {
                latencies.Add(Clock.Since(data.GetProperty("content").GetString()!));
                delivered.Add();
                lastDelivery[agent.Name] = Clock.NowMs;
                var second = (int)((Clock.NowMs - gate.StartedMs) / 1000);
                if (second < perSecond.Length)
                {
                    Interlocked.Increment(ref perSecond[second]);
                }
            }
            if (seq % 100 == 0)
            {
                _ = agent.Request("inbox:ack", new { seq });
            }
        });
        var stopAt = Clock.NowMs + (warmUp + measure).TotalMilliseconds;
        var sending = Task.WhenAll(agents.Select((agent, index) =>
        {
            string[] next = [agents[(index + 1) % count].Name];
            return Pipelined(int.MaxValue, Window, _ => Clock.NowMs < stopAt
                ? agent.Request("message:send", new { recipients = next, content = Clock.Stamp() })
                    .ContinueWith(send => { if (!send.IsCompletedSuccessfully) { failed.Add(); } }, TaskScheduler.Default)
                : Task.FromCanceled(new CancellationToken(true)));
        }));
        var window = await MeasureWindow(cluster, gate, warmUp, measure, midway);
        var rate = delivered.Value / window.Cpu.Seconds;
        var endedAt = Clock.NowMs;
        var silent = agents.Count(agent => lastDelivery.GetValueOrDefault(agent.Name) < endedAt - 5000);
        var unanswered = false;
        try
        {
            // A send stuck on a dead silo is answered by the gateway's response timeout; one that never is must not hang the run.
            await sending.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            unanswered = true;
        }
        await DisposeAll(agents);
        return new DirectRun(rate, latencies, window, perSecond, failed.Value, unanswered, silent);
    }

    /// <summary>
    /// Task cycles with 100 workers on both gateways and a creator on each: 32 cycles in flight (a create takes a
    /// slot, the worker's completion gives it back), so the open backlog stays bounded. Latency: create sent → completion acknowledged.
    /// </summary>
    private static async Task<ClusterRound> ClusterTasks(BenchCluster cluster, int silos, TimeSpan warmUp, TimeSpan measure)
    {
        const int cyclesInFlight = 32;
        var latencies = new Latencies();
        var gate = new Gate();
        var completed = new Tally();
        // Not disposed: a late completion may still release it.
        var slots = new SemaphoreSlim(cyclesInFlight);
        var prefix = $"t{Guid.NewGuid():N}"[..8];
        var workers = await ConnectMany(i => cluster.Gateways[i % 2].Address!, 100, $"{prefix}w", ["bench-work"], onPush: (worker, name, seq, data) =>
        {
            if (name != "task:assigned")
            {
                return;
            }
            var stamp = data.GetProperty("title").GetString()!;
            _ = worker.Request("task:complete", new { task_id = data.GetProperty("id").GetString(), result = new { ok = true } })
                .ContinueWith(done =>
                {
                    if (done.IsCompletedSuccessfully && gate.On)
                    {
                        completed.Add();
                        latencies.Add(Clock.Since(stamp));
                    }
                    slots.Release();
                }, TaskScheduler.Default);
        });
        var creators = await ConnectMany(i => cluster.Gateways[i % 2].Address!, 2, $"{prefix}c");
        var stopAt = Clock.NowMs + (warmUp + measure).TotalMilliseconds;
        var creating = Task.Run(async () =>
        {
            for (var i = 0; Clock.NowMs < stopAt; i++)
            {
                if (!await slots.WaitAsync(TimeSpan.FromMilliseconds(100)))
                {
                    continue;
                }
                _ = creators[i % 2].Request("task:create", new { title = Clock.Stamp(), requirements = WorkRequirements })
                    .ContinueWith(create => { if (!create.IsCompletedSuccessfully) { slots.Release(); } }, TaskScheduler.Default);
            }
        });
        var window = await MeasureWindow(cluster, gate, warmUp, measure);
        await creating;
        // The cycles still open finish before the next phase, so they do not count against its CPU.
        try
        {
            await WaitUntil(() => slots.CurrentCount >= cyclesInFlight, TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine($"{cyclesInFlight - slots.CurrentCount} task cycles still open 60 s after the run");
        }
        await DisposeAll(creators);
        await DisposeAll(workers);
        return new ClusterRound(silos, "task cycles", completed.Value / window.Cpu.Seconds, latencies, window);
    }

    /// <summary>50 writers on both gateways: compare-and-set on a key each, then all on one hot key (conflicts retried).</summary>
    private static async Task<ClusterRound[]> ClusterMemory(BenchCluster cluster, int silos, TimeSpan warmUp, TimeSpan measure)
    {
        var prefix = $"m{Guid.NewGuid():N}"[..8];
        var agents = await ConnectMany(i => cluster.Gateways[i % 2].Address!, 50, prefix);

        async Task<ClusterRound> Run(string scenario, Func<BenchAgent, Gate, Latencies, Tally, double, Task> write)
        {
            var gate = new Gate();
            var latencies = new Latencies();
            var writes = new Tally();
            var stopAt = Clock.NowMs + (warmUp + measure).TotalMilliseconds;
            var writing = Task.WhenAll(agents.Select(agent => write(agent, gate, latencies, writes, stopAt)));
            var window = await MeasureWindow(cluster, gate, warmUp, measure);
            await writing;
            return new ClusterRound(silos, scenario, writes.Value / window.Cpu.Seconds, latencies, window);
        }

        var keyEach = await Run("memory CAS writes, a key each", async (agent, gate, latencies, writes, stopAt) =>
        {
            var version = 0L;
            while (Clock.NowMs < stopAt)
            {
                var sent = Clock.NowMs;
                version = (await agent.Request("memory:set", new { key = $"bench/{agent.Name}", value = new { n = version }, expected_version = version }))
                    .GetProperty("version").GetInt64();
                if (gate.On)
                {
                    latencies.Add(Clock.NowMs - sent);
                    writes.Add();
                }
            }
        });
        var hot = $"bench/{prefix}/hot";
        await agents[0].Request("memory:set", new { key = hot, value = new { n = 0 } });
        var conflicts = new Tally();
        var hotKey = await Run("memory CAS writes, one hot key", async (agent, gate, latencies, writes, stopAt) =>
        {
            var version = (await agent.Request("memory:get", new { key = hot })).GetProperty("version").GetInt64();
            while (Clock.NowMs < stopAt)
            {
                var sent = Clock.NowMs;
                try
                {
                    version = (await agent.Request("memory:set", new { key = hot, value = new { by = agent.Name }, expected_version = version }))
                        .GetProperty("version").GetInt64();
                    if (gate.On)
                    {
                        latencies.Add(Clock.NowMs - sent);
                        writes.Add();
                    }
                }
                catch (InvalidOperationException conflict) when (conflict.Message.Contains("current_version", StringComparison.Ordinal))
                {
                    if (gate.On)
                    {
                        conflicts.Add();
                    }
                    version = (await agent.Request("memory:get", new { key = hot })).GetProperty("version").GetInt64();
                }
            }
        });
        Console.Error.WriteLine($"{silos} silo(s): {conflicts.Value:N0} conflicts on the hot key while measuring");
        await DisposeAll(agents);
        return [keyEach, hotKey];
    }

    /// <summary>
    /// <c>direct</c> on <paramref name="silos"/> silos; one silo (not the first) is SIGKILLed a third of the way into a
    /// window three times the usual length. Prints the delivered rate per second, the dip and the recovery time.
    /// </summary>
    private static async Task ClusterKill(string postgres, int silos, TimeSpan measure)
    {
        Console.Error.WriteLine($"starting {silos} silo(s) and 2 gateways for the kill run...");
        await using var cluster = await BenchCluster.Start(postgres, silos);
        var victim = cluster.Silos[^1];
        var window = measure * 3;
        var killAt = measure;
        var run = await ClusterDirect(cluster, 100, ProcessWarmUp, window, (killAt, async () =>
        {
            Console.Error.WriteLine($"killing {victim.Name} (pid {victim.Pid})");
            await victim.KillAsync();
        }));
        var killSecond = (int)killAt.TotalSeconds;
        var before = run.PerSecond.Take(killSecond).Average();
        var after = run.PerSecond.Skip(killSecond).ToArray();
        var dip = after.Min();
        // Requests already past the silo still deliver in the first second or two: recovery counts from the first
        // second below 80 % to the next one at or above it again.
        var fell = Array.FindIndex(after, rate => rate < 0.8 * before);
        var recovered = fell < 0 ? -1 : Array.FindIndex(after, fell, rate => rate >= 0.8 * before);
        // Of the seconds from the recovery on, how many stayed at 80 % or more.
        var held = recovered < 0 ? 0 : after.Skip(recovered).Count(rate => rate >= 0.8 * before);
        Console.WriteLine();
        Console.WriteLine($"Silo killed under load: {silos} silos, 2 gateways, 100 agents (`direct`), {victim.Name} SIGKILLed {killAt.TotalSeconds:N0} s into a {window.TotalSeconds:N0} s window.");
        Console.WriteLine();
        Console.WriteLine("| delivered msgs/s before (mean) | lowest second after | dip | back to ≥ 80 % of before | seconds at ≥ 80 % since | sends answered with an error | agents with no delivery in the last 5 s | load average (1 min) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {before:N0} | {dip:N0} | {1 - dip / before:P0} | {(fell < 0 ? "never below it" : recovered < 0 ? "not within the window" : $"in second {recovered + 1} after the kill (below from second {fell + 1})")} | " +
                          $"{(recovered < 0 ? "" : $"{held} of {after.Length - recovered}")} | {run.Failed:N0}{(run.Unanswered ? " (some never answered)" : "")} | {run.Silent} of 100 | {run.Window.LoadAtStart:N1}–{run.Window.LoadAtEnd:N1} |");
        Console.WriteLine();
        Console.WriteLine("Delivered per second (the kill at the bar):");
        Console.WriteLine();
        Console.WriteLine($"    {string.Join(" ", run.PerSecond.Take(killSecond).Select(Format))} | {string.Join(" ", after.Select(Format))}");

        static string Format(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }

    private static void PrintRounds(List<ClusterRound> rounds)
    {
        Console.WriteLine("| silos | scenario | per s | latency p50 / p99 ms | load average (1 min) at start–end | rest of the machine, cores |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var round in rounds)
        {
            var (p50, _, p99) = round.Latencies.Percentiles();
            Console.WriteLine($"| {round.Silos} | {round.Scenario} | {round.Rate:N0} | {p50:N1} / {p99:N1} | {round.Window.LoadAtStart:N1}–{round.Window.LoadAtEnd:N1} | " +
                              $"{round.Window.Cpu.Others / round.Window.Cpu.Seconds:N2} |");
        }
        Console.WriteLine();
        Console.WriteLine("CPU seconds per 1,000 operations (= CPU ms per operation), from /proc/<pid>/stat utime + stime over the measured window:");
        Console.WriteLine();
        Console.WriteLine("| silos | scenario | silos (each) | gateway 1 | gateway 2 | PostgreSQL backends | driver | serving (silos + gateways + PostgreSQL) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var round in rounds)
        {
            var cpu = round.Window.Cpu;
            var each = string.Join(" + ", cpu.Parts.Where(part => part.Part.StartsWith("silo", StringComparison.Ordinal)).Select(part => $"{round.PerThousand(part.Seconds):N3}"));
            Console.WriteLine($"| {round.Silos} | {round.Scenario} | {round.PerThousand(cpu.Silos):N3}{(round.Silos > 1 ? $" ({each})" : "")} | " +
                              $"{round.PerThousand(cpu.Of("gateway 1")):N3} | {round.PerThousand(cpu.Of("gateway 2")):N3} | {round.PerThousand(cpu.Of("PostgreSQL")):N3} | " +
                              $"{round.PerThousand(cpu.Of("driver")):N3} | {round.Serving:N3} |");
        }
    }

    private static void PrintIdle(List<ClusterRound> rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"Idle: cores each process used over {IdleWindow.TotalSeconds:N0} s without traffic, right after the load:");
        Console.WriteLine();
        Console.WriteLine("| silos | silos (each) | gateway 1 | gateway 2 | PostgreSQL backends |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var idle in rounds.GroupBy(round => round.Silos).Select(group => (Silos: group.Key, Cpu: group.First().Idle!)))
        {
            double Cores(double seconds) => seconds / idle.Cpu.Seconds;
            var each = string.Join(" + ", idle.Cpu.Parts.Where(part => part.Part.StartsWith("silo", StringComparison.Ordinal)).Select(part => $"{Cores(part.Seconds):N3}"));
            Console.WriteLine($"| {idle.Silos} | {Cores(idle.Cpu.Silos):N3}{(idle.Silos > 1 ? $" ({each})" : "")} | {Cores(idle.Cpu.Of("gateway 1")):N3} | " +
                              $"{Cores(idle.Cpu.Of("gateway 2")):N3} | {Cores(idle.Cpu.Of("PostgreSQL")):N3} |");
        }
    }

    /// <summary>Per scenario: the serving CPU per operation at each silo count, against one silo.</summary>
    private static void PrintDistribution(List<ClusterRound> rounds)
    {
        var counts = rounds.Select(round => round.Silos).Distinct().Order().ToArray();
        Console.WriteLine();
        Console.WriteLine("The cost of distribution: serving CPU ms per operation (silos + gateways + PostgreSQL) by silo count, and the silos' and gateways' part above what they spend idle:");
        Console.WriteLine();
        Console.WriteLine($"| scenario | {string.Join(" | ", counts.Select(count => $"{count} silo{(count > 1 ? "s" : "")}"))} | silos + gateways above idle: {string.Join(" / ", counts)} | {counts[^1]} vs {counts[0]} |");
        Console.WriteLine($"|---|{string.Concat(counts.Select(_ => "---:|"))}---:|---:|");
        foreach (var scenario in rounds.Select(round => round.Scenario).Distinct())
        {
            var of = counts.Select(count => rounds.Single(round => round.Silos == count && round.Scenario == scenario)).ToArray();
            Console.WriteLine($"| {scenario} | {string.Join(" | ", of.Select(round => $"{round.Serving:N3}"))} | {string.Join(" / ", of.Select(round => $"{round.TierAboveIdle:N3}"))} | " +
                              $"{of[^1].Serving / of[0].Serving - 1:+0%;-0%} |");
        }
    }

    /// <summary>
    /// What N machines of <see cref="CoresPerMachine"/> cores, each running one silo and one gateway at
    /// <see cref="TargetUtilization"/>, would carry: the silo + gateway CPU per operation fitted as local + cross-silo
    /// share × hop (a grain is on another silo with probability (N − 1)/N), the database on a machine of its own.
    /// </summary>
    private static void PrintProjection(List<ClusterRound> rounds)
    {
        Console.WriteLine();
        var largest = rounds.Where(round => round.Silos == rounds.Max(other => other.Silos)).First();
        var idlePerMachine = largest.IdleTierCores / largest.Silos;
        Console.WriteLine($"Projection: N machines of {CoresPerMachine} cores (a silo and a gateway each) at {TargetUtilization:P0} CPU less {idlePerMachine:N2} cores idle each, " +
                          $"PostgreSQL on a {CoresPerMachine}-core machine of its own; silo + gateway CPU per operation above idle fitted as a + b × (N − 1)/N over the measured silo counts:");
        Console.WriteLine();
        Console.WriteLine($"| scenario | a (ms) | b (ms) | PostgreSQL ms | {string.Join(" | ", ProjectedMachines.Select(n => $"{n} machine{(n > 1 ? "s" : "")}"))} | database ceiling |");
        Console.WriteLine($"|---|---:|---:|---:|{string.Concat(ProjectedMachines.Select(_ => "---:|"))}---:|");
        foreach (var scenario in rounds.Select(round => round.Scenario).Distinct())
        {
            var of = rounds.Where(round => round.Scenario == scenario).ToArray();
            var points = of.Select(round => (Share: (round.Silos - 1) / (double)round.Silos, Cost: round.TierAboveIdle)).ToArray();
            var (a, b) = Fit(points);
            if (b < 0)
            {
                // Distribution does not make an operation cheaper: a falling fit is noise between rounds, so take
                // the cost as flat at the measured mean.
                (a, b) = (points.Average(point => point.Cost), 0);
            }
            var database = of.Average(round => round.PostgresAboveIdle);
            var ceiling = CoresPerMachine * TargetUtilization / database * 1000;
            var carried = ProjectedMachines.Select(n =>
            {
                var app = n * (CoresPerMachine * TargetUtilization - idlePerMachine) / (a + b * (n - 1) / n) * 1000;
                return app <= ceiling ? $"{app:N0}" : $"{ceiling:N0} (db)";
            });
            Console.WriteLine($"| {scenario} | {a:N3} | {b:N3} | {database:N3} | {string.Join(" | ", carried)} | {ceiling:N0} |");
        }
    }

    /// <summary>Least squares of cost = a + b × share; with one silo count only, b = 0.</summary>
    private static (double A, double B) Fit((double Share, double Cost)[] points)
    {
        var meanShare = points.Average(point => point.Share);
        var meanCost = points.Average(point => point.Cost);
        var spread = points.Sum(point => (point.Share - meanShare) * (point.Share - meanShare));
        var b = spread == 0 ? 0 : points.Sum(point => (point.Share - meanShare) * (point.Cost - meanCost)) / spread;
        return (meanCost - b * meanShare, b);
    }
}
