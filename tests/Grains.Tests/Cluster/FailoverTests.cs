using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage.Postgres;
using Orleans.AgentChannel.Tasks;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// Three silos on PostgreSQL (ADO.NET membership, grain storage, pub-sub store, reminders, and our tables),
/// with the fast failure detection of docs/measurements.md. Skipped when AGENTCHANNEL_TEST_POSTGRES is not set.
/// </summary>
public sealed class FailoverTests : IAsyncDisposable
{
    private PostgresTestDatabase? _database;
    private InProcessTestCluster? _cluster;

    private IClusterClient Client => _cluster!.Client;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Killing_a_silo_mid_traffic_loses_no_acknowledged_write_and_its_work_moves_to_the_survivors()
    {
        await Deploy();
        var output = TestContext.Current.TestOutputHelper!;
        var stuckSkill = $"stuck-{Guid.NewGuid():N}";
        var holderSkill = $"held-{Guid.NewGuid():N}";
        var operatorCaller = Caller.Operator;

        // Work that lives in memory on the silo about to die: a queue of waiting tasks (nobody can take them yet)
        // and a task assigned to an agent that will fall silent, with its lease timer and presence check.
        var holder = await Register($"holder-{Guid.NewGuid():N}"[..20], holderSkill);
        var held = await Task(Guid.NewGuid()).Create(operatorCaller, new NewTask("held", Requirements: Needs(holderSkill)));
        await Eventually(async () => (await Task(held.Id).Get()).AssignedTo == holder.Name, "the held task is assigned to its holder");
        var waiting = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            waiting.Add((await Task(Guid.NewGuid()).Create(operatorCaller, new NewTask($"waiting {i}", Requirements: Needs(stuckSkill)))).Id);
        }
        var pool = Client.GetGrain<IAssignmentPoolGrain>(TaskRequirements.PoolKey([stuckSkill]));
        var victimAddress = HostOf(pool) ?? _cluster!.Silos[1].SiloAddress;
        var victim = _cluster!.Silos.Single(silo => silo.SiloAddress.Equals(victimAddress));
        IAddressable[] doomed = [pool, Task(held.Id), Client.GetGrain<IAgentGrain>(AgentNames.Key(holder.Name))];
        foreach (var grain in doomed.Where(grain => !victimAddress.Equals(HostOf(grain))))
        {
            await _cluster.MigrateAsync(grain, victimAddress).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
        doomed.Select(HostOf).ShouldAllBe(host => victimAddress.Equals(host), "the queue, the held task and its holder live on the silo to be killed");

        // Traffic from three writers; what each call returned is what must survive.
        var sender = await Register($"sender-{Guid.NewGuid():N}"[..20]);
        var receiver = await Register($"receiver-{Guid.NewGuid():N}"[..20]);
        var ackedMessages = new ConcurrentBag<Guid>();
        var ackedMemory = new ConcurrentDictionary<string, (long Version, string Value)>();
        var ackedTasks = new ConcurrentBag<Guid>();
        var writesAfterKill = 0;
        var killed = false;
        using var stop = new CancellationTokenSource();
        var memoryPrefix = $"failover/{Guid.NewGuid():N}";
        var messageTraffic = Traffic(async i =>
        {
            var message = await Retry.Call(() => Client.GetGrain<IMessagesGrain>(0)
                .Send(sender.Caller, new MessageDraft($"message {i}", [receiver.Name])));
            ackedMessages.Add(message.Id);
            if (Volatile.Read(ref killed))
            {
                Interlocked.Increment(ref writesAfterKill);
            }
        }, stop.Token);
        var memoryTraffic = Traffic(async i =>
        {
            var key = $"{memoryPrefix}/{i % 10}";
            var value = $$"""{"i":{{i}}}""";
            var written = await Retry.Call(() => Client.GetGrain<IMemoryGrain>(key).TrySet(sender.Caller, new MemoryWrite(RawJson.Parse(value))).OrThrow());
            ackedMemory.AddOrUpdate(key, (written.Entry.Version, value),
                (_, previous) => written.Entry.Version > previous.Version ? (written.Entry.Version, value) : previous);
        }, stop.Token);
        var taskTraffic = Traffic(async i =>
        {
            var id = Guid.NewGuid();
            await Retry.Call(async () =>
            {
                try
                {
                    return await Task(id).Create(sender.Caller, new NewTask($"traffic {i}", Requirements: Needs($"nobody-{Guid.NewGuid():N}")));
                }
                catch (AgentChannelException exception) when (exception.Code == ErrorKind.Conflict)
                {
                    // A retry after a lost reply: the first attempt created it.
                    return await Task(id).Get();
                }
            });
            ackedTasks.Add(id);
        }, stop.Token);

        await Eventually(() => System.Threading.Tasks.Task.FromResult(ackedMessages.Count >= 20), "traffic is flowing");
        var clock = Stopwatch.StartNew();
        await _cluster.KillSiloAsync(victim, TestContext.Current.CancellationToken);
        Volatile.Write(ref killed, true);
        await Eventually(() => System.Threading.Tasks.Task.FromResult(Volatile.Read(ref writesAfterKill) >= 30), "traffic continues after the kill", TimeSpan.FromSeconds(60));
        var recovered = clock.Elapsed;
        await stop.CancelAsync();
        await System.Threading.Tasks.Task.WhenAll(messageTraffic, memoryTraffic, taskTraffic);
        output.WriteLine($"acknowledged: {ackedMessages.Count} messages, {ackedMemory.Count} memory keys, {ackedTasks.Count} tasks; 30 writes after the kill within {recovered.TotalSeconds:F1} s");

        // Nothing acknowledged is lost: each message is in the log and in its recipient's inbox, each memory key
        // is at least at its acknowledged version with that version's value in its history, each task exists.
        foreach (var id in ackedMessages)
        {
            (await Retry.Call(() => Client.GetGrain<IMessagesGrain>(0).Get(Caller.Operator, id))).Id.ShouldBe(id);
        }
        // A message acknowledged while its delivery died with the silo is still owed, and redelivered within
        // MessageRedeliverySeconds (5 s): the inbox holds every one by then.
        HashSet<Guid> inbox = [];
        await Eventually(async () =>
        {
            inbox = await ReadWholeInbox(receiver.Name);
            return !ackedMessages.Except(inbox).Any();
        }, "every acknowledged message is in the recipient's inbox", TimeSpan.FromSeconds(30));
        foreach (var (key, acked) in ackedMemory)
        {
            var memory = Client.GetGrain<IMemoryGrain>(key);
            (await Retry.Call(() => memory.Get(operatorCaller))).Version.ShouldBeGreaterThanOrEqualTo(acked.Version);
            (await Retry.Call(() => memory.GetVersion(operatorCaller, acked.Version))).Value.Text.ShouldBe(acked.Value);
        }
        foreach (var id in ackedTasks)
        {
            (await Retry.Call(() => Task(id).Get())).Id.ShouldBe(id);
        }

        // The dead silo's work resumes on the survivors: the silent holder goes offline and its task is taken
        // back; the queue of waiting tasks is rebuilt; a new capable agent gets all of them.
        var rescuer = await Register($"rescuer-{Guid.NewGuid():N}"[..20], stuckSkill, holderSkill);
        using var beating = new CancellationTokenSource();
        var heartbeat = Traffic(async _ =>
        {
            await Retry.Call(() => Client.GetGrain<IAgentGrain>(AgentNames.Key(rescuer.Name)).Heartbeat(rescuer.Caller, null));
            await System.Threading.Tasks.Task.Delay(300, beating.Token);
        }, beating.Token);
        try
        {
            foreach (var id in waiting.Append(held.Id))
            {
                TaskInfo? last = null;
                await Eventually(async () => (last = await Retry.Call(() => Task(id).Get())).AssignedTo == rescuer.Name,
                    () => $"task {id} is assigned to the rescuer (it is {last?.Status} to {last?.AssignedTo}: {last?.StatusReason}, held is {held.Id})", TimeSpan.FromSeconds(60));
            }
            (await Retry.Call(() => Client.GetGrain<IAgentGrain>(AgentNames.Key(holder.Name)).Get()))!.Status.ShouldBe(AgentStatus.Offline);
            output.WriteLine($"all in-flight tasks reassigned {clock.Elapsed.TotalSeconds:F1} s after the kill");
        }
        finally
        {
            await beating.CancelAsync();
            await heartbeat;
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Keyed_writes_repeated_after_the_silo_that_held_their_grains_died_get_their_first_answers_and_change_nothing()
    {
        await Deploy();
        var alice = await Register($"alice-{Guid.NewGuid():N}"[..20]);
        var bob = await Register($"bob-{Guid.NewGuid():N}"[..20]);
        var memoryKey = $"plan-{Guid.NewGuid():N}";
        var channel = $"room-{Guid.NewGuid():N}"[..20];
        var keys = Enumerable.Range(0, 5).Select(_ => new Idempotency.IdempotencyKey(Guid.NewGuid().ToString())).ToArray();
        var newTask = new NewTask("keyed", Requirements: Needs($"nobody-{Guid.NewGuid():N}"));
        var taskId = keys[0].DerivedId(Idempotency.KeyedIds.Task, alice.Caller);
        var draft = new MessageDraft("once", [bob.Name]);
        var update = new TaskUpdate(Priority: 1);
        var write = new MemoryWrite(RawJson.Parse("""{"step":1}"""));

        // Each write's grain lives on the silo about to die, so a repeat can only be answered from what PostgreSQL holds.
        var created = await Task(taskId).Create(alice.Caller, newTask, keys[0]);
        var updated = await Task(taskId).Update(alice.Caller, update, keys[1]);
        var written = await Client.GetGrain<IMemoryGrain>(memoryKey).TrySet(alice.Caller, write, keys[2]).OrThrow();
        var joined = await Client.GetGrain<Channels.IChannelGrain>(channel).Join(alice.Caller, keys[3]);
        var sent = await Client.GetGrain<IMessagesGrain>(0).Send(alice.Caller, draft, keys[4]);
        var victimAddress = _cluster!.Silos[1].SiloAddress;
        IAddressable[] doomed = [Task(taskId), Client.GetGrain<IMemoryGrain>(memoryKey), Client.GetGrain<Channels.IChannelGrain>(channel)];
        foreach (var grain in doomed.Where(grain => !victimAddress.Equals(HostOf(grain))))
        {
            await _cluster.MigrateAsync(grain, victimAddress).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
        await _cluster.KillSiloAsync(_cluster.Silos.Single(silo => silo.SiloAddress.Equals(victimAddress)), TestContext.Current.CancellationToken);

        Json(await Retry.Call(() => Task(taskId).Create(alice.Caller, newTask, keys[0]))).ShouldBe(Json(created));
        Json(await Retry.Call(() => Task(taskId).Update(alice.Caller, update, keys[1]))).ShouldBe(Json(updated));
        Json(await Retry.Call(() => Client.GetGrain<IMemoryGrain>(memoryKey).TrySet(alice.Caller, write, keys[2]).OrThrow())).ShouldBe(Json(written));
        Json(await Retry.Call(() => Client.GetGrain<Channels.IChannelGrain>(channel).Join(alice.Caller, keys[3]))).ShouldBe(Json(joined));
        Json(await Retry.Call(() => Client.GetGrain<IMessagesGrain>(0).Send(alice.Caller, draft, keys[4]))).ShouldBe(Json(sent));
        var mismatch = await Should.ThrowAsync<AgentChannelException>(() => Retry.Call(() =>
            Client.GetGrain<IMemoryGrain>(memoryKey).TrySet(alice.Caller, write with { Value = RawJson.Parse("2") }, keys[2]).OrThrow()));
        mismatch.Code.ShouldBe(ErrorKind.IdempotencyMismatch);

        (await Retry.Call(() => Client.GetGrain<IMemoryGrain>(memoryKey).Get(alice.Caller))).Version.ShouldBe(1);
        (await Retry.Call(() => Task(taskId).Get())).Priority.ShouldBe(1);
        (await Retry.Call(() => Client.GetGrain<IMessagesGrain>(0).List(Caller.Operator, new MessageQuery(Sender: alice.Name)))).Items.Select(m => m.Id).ShouldBe([sent.Id]);
        (await ReadWholeInbox(bob.Name)).ShouldBe([sent.Id]);
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, AgentChannelJson.Options);

    private async Task Deploy()
    {
        _database = await PostgresTestDatabase.Create();
        var settings = new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:Provider"] = "PostgreSQL",
            ["AgentChannel:Storage:PostgresConnectionString"] = _database.ConnectionString,
            ["AgentChannel:Storage:PostgresMaxConnections"] = "10",
            ["AgentChannel:Tasks:LeaseSeconds"] = "3",
            ["AgentChannel:Tasks:MaxActivePerAgent"] = "20",
            ["AgentChannel:Tasks:DispatchIntervalMilliseconds"] = "100",
            ["AgentChannel:Presence:OfflineAfterSeconds"] = "3",
            // The reminders are what brings the dead silo's queue, lease and presence check back on a survivor.
            ["AgentChannel:Recovery:ReminderSeconds"] = "2",
        };
        var builder = new InProcessTestClusterBuilder(3).ClientActsAsFrontEnd();
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(settings));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAgentChannel(silo.Configuration);
            silo.UseAdoNetClustering(options =>
            {
                options.Invariant = PostgresDatabase.Invariant;
                options.ConnectionString = _database.ConnectionString;
            });
            FastFailureDetection(silo.Services);
            silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(5));
        });
        builder.ConfigureClient(client =>
        {
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = PostgresDatabase.Invariant;
                options.ConnectionString = _database.ConnectionString;
            });
            client.AddMemoryStreams(Events.AgentChannelStreams.ProviderName);
            // A call in flight on the dead silo waits this long (docs/measurements.md): it bounds recovery.
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(5));
            client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>The failure-detection values of docs/measurements.md (~1 s to declare a killed silo dead).</summary>
    internal static void FastFailureDetection(IServiceCollection services) => services.Configure<ClusterMembershipOptions>(options =>
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(1);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 1;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
    });

    private ITaskGrain Task(Guid id) => Client.GetGrain<ITaskGrain>(id);

    /// <summary>The silo a grain is active on right now, if any.</summary>
    private Runtime.SiloAddress? HostOf(IAddressable grain) =>
        _cluster!.TryGetGrainContext(grain.GetGrainId(), out var context) ? context.Address.SiloAddress : null;

    private static RawJson Needs(params string[] capabilities) => RawJson.Serialize(new { capabilities }, AgentChannelJson.Options);

    private async Task<(string Name, Caller Caller)> Register(string name, params string[] capabilities)
    {
        var registered = await Retry.Call(() => Client.GetGrain<IAgentGrain>(AgentNames.Key(name))
            .Register(new AgentRegistration(name, "llm", capabilities, null), presentedToken: null));
        return (registered.Agent.Name, Caller.Agent(registered.Agent.Name));
    }

    private async Task<HashSet<Guid>> ReadWholeInbox(string agent)
    {
        var ids = new HashSet<Guid>();
        long after = 0;
        while (true)
        {
            var page = await Retry.Call(() => Client.GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(after, 500));
            foreach (var item in page.Events)
            {
                if (item.Event == Events.EventNames.MessageReceived)
                {
                    ids.Add(item.Data.Deserialize<MessageInfo>(AgentChannelJson.Options)!.Id);
                }
                after = item.Seq ?? after;
            }
            if (!page.HasMore)
            {
                return ids;
            }
        }
    }

    /// <summary>Runs <paramref name="step"/> again and again (with its iteration number) until cancelled.</summary>
    private static Task Traffic(Func<int, Task> step, CancellationToken stop) => System.Threading.Tasks.Task.Run(async () =>
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                await step(i);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }, CancellationToken.None);

    private static Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null) =>
        Eventually(condition, () => what, within);

    private static async Task Eventually(Func<Task<bool>> condition, Func<string> what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            (DateTime.UtcNow < deadline).ShouldBeTrue($"timed out waiting until {what()}");
            await System.Threading.Tasks.Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
