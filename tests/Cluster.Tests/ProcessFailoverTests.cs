using System.Globalization;
using System.Text.Json.Nodes;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// The scale-out deployment as processes (<see cref="ProcessCluster"/>); one silo is killed by its pid.
/// Skipped when AGENTCHANNEL_TEST_POSTGRES is not set.
/// </summary>
public sealed class ProcessFailoverTests : IAsyncDisposable
{
    private const string OperatorToken = ProcessCluster.OperatorToken;

    private ProcessCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Agents_on_different_gateways_keep_exchanging_messages_and_tasks_when_a_silo_process_is_killed()
    {
        _cluster = await ProcessCluster.StartAsync();
        var (siloA, gateway1, gateway2) = (_cluster.SiloA, _cluster.Gateway1, _cluster.Gateway2);

        var skill = $"skill-{Guid.NewGuid():N}";
        var aliceName = $"alice-{Guid.NewGuid():N}"[..16];
        var bobName = $"bob-{Guid.NewGuid():N}"[..16];
        await using var alice = await WsClient.Connect(gateway1.Address!);
        await alice.Register(new { name = aliceName, type = "llm" });
        using var http = new HttpClient { BaseAddress = gateway2.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", OperatorToken);
        var bob = await WsClient.Connect(gateway2.Address!);
        var bobToken = (await bob.Register(new { name = bobName, type = "llm", capabilities = new[] { skill } }))["token"]!.GetValue<string>();
        try
        {
            // Before the kill: a message and a task cross from gateway 1 to gateway 2 live.
            var first = await Send(alice, bobName, "before the kill");
            (await bob.NextPush(IsMessage(first)))["data"]!["content"]!.GetValue<string>().ShouldBe("before the kill");
            await CreateAndComplete(alice, bob, skill, "task before the kill", http);

            await siloA.KillAsync();
            var sinceKill = System.Diagnostics.Stopwatch.StartNew();

            // After the kill: every send and create is eventually acknowledged (retried where the silo's death
            // failed it); bob gets live pushes again through gateway 2, and the tasks reach him and complete.
            var acked = new List<string> { first };
            acked.Add(await Send(alice, bobName, "after the kill 0"));
            var firstAfterKill = sinceKill.Elapsed;
            for (var i = 1; i < 10; i++)
            {
                acked.Add(await Send(alice, bobName, $"after the kill {i}"));
            }
            // The live path recovers too: a message sent now arrives as a push through gateway 2. (Events that
            // were queued in the dead silo's memory may be lost on the way; the inbox replay below covers them.)
            var pushed = new HashSet<string>();
            var live = 0;
            await Poll.Until(async () =>
            {
                acked.Add(await Send(alice, bobName, $"live again {live++}"));
                await Task.Delay(250, TestContext.Current.CancellationToken);
                pushed.UnionWith(bob.Drain().Where(frame => frame["event"]!.GetValue<string>() == "message:received")
                    .Select(frame => frame["data"]!["id"]!.GetValue<string>()));
                return acked.Skip(1).Any(pushed.Contains);
            }, "a message sent after the kill arrives live through gateway 2", TimeSpan.FromSeconds(60));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"silo killed: first send acknowledged {firstAfterKill.TotalSeconds:F1} s later, live pushes again {sinceKill.Elapsed.TotalSeconds:F1} s later");
            for (var i = 0; i < 3; i++)
            {
                await CreateAndComplete(alice, bob, skill, $"task after the kill {i}", http);
            }
            TestContext.Current.TestOutputHelper?.WriteLine($"three tasks created, assigned and completed {sinceKill.Elapsed.TotalSeconds:F1} s after the kill");

            // Nothing acknowledged is lost: bob, reconnecting through the other gateway and replaying his whole
            // inbox, gets every acknowledged message; the log lists them all too.
            await bob.DisposeAsync();
            bob = await WsClient.Connect(gateway1.Address!);
            await bob.Register(new { name = bobName, type = "llm", token = bobToken, last_seq = 0 });
            var replayed = new HashSet<string>();
            await Poll.Until(async () =>
            {
                var push = await bob.NextPush(frame => frame["event"]!.GetValue<string>() == "message:received");
                replayed.Add(push["data"]!["id"]!.GetValue<string>());
                return acked.All(replayed.Contains);
            }, "bob's replayed inbox holds every acknowledged message", TimeSpan.FromSeconds(60));
            var listed = await http.Get($"/api/messages?recipient={bobName}&limit=500");
            listed.Status.ShouldBe(System.Net.HttpStatusCode.OK);
            var ids = listed.Json["items"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToHashSet();
            acked.ShouldAllBe(id => ids.Contains(id));
            // Plugins run in the silos: a gateway reports none of its own rather than failing.
            var plugins = await http.Get("/api/plugins");
            plugins.Status.ShouldBe(System.Net.HttpStatusCode.OK);
            plugins.Json["items"]!.AsArray().ShouldBeEmpty();
            // The reports read the same PostgreSQL store: every acknowledged delivery to bob is counted.
            var stats = await http.Get($"/api/agents/{bobName}/stats");
            stats.Status.ShouldBe(System.Net.HttpStatusCode.OK, stats.Body?.ToJsonString());
            stats.Json["totals"]!["messages_received"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(acked.Count);
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
        finally
        {
            await bob.DisposeAsync();
        }
    }

    private static Func<JsonNode, bool> IsMessage(string id) => frame =>
        frame["event"]!.GetValue<string>() == "message:received" && frame["data"]!["id"]!.GetValue<string>() == id;

    /// <summary>Sends until acknowledged; an <c>unavailable</c> error (the silo died under the call) is retried.</summary>
    private static async Task<string> Send(WsClient sender, string recipient, string content) =>
        (await Acknowledged(sender, "message:send", new { recipients = new[] { recipient }, content }))["id"]!.GetValue<string>();

    /// <summary>Creates a task only <paramref name="worker"/> can do, waits for its assignment, completes it.</summary>
    /// <remarks>
    /// A completion can commit while its reply is lost to the dying silo (docs/measurements.md): the retry then answers
    /// <c>conflict</c> (already completed), and the creator's task:updated may be missing, because the
    /// notification is what failed. The task's stored status is what counts then.
    /// </remarks>
    private static async Task CreateAndComplete(WsClient creator, WsClient worker, string skill, string title, HttpClient operatorApi)
    {
        var created = await Acknowledged(creator, "task:create", new { title, requirements = new { capabilities = new[] { skill } } });
        var id = created["id"]!.GetValue<string>();
        await worker.NextPush(frame => frame["event"]!.GetValue<string>() == "task:assigned" && frame["data"]!["id"]!.GetValue<string>() == id);
        var completed = await Acknowledged(worker, "task:complete", new { task_id = id, result = new { ok = true } }, conflictMeansApplied: true);
        if (completed is null)
        {
            var stored = await operatorApi.Get($"/api/tasks/{id}");
            stored.Json["status"]!.GetValue<string>().ShouldBe("completed");
            return;
        }
        completed["status"]!.GetValue<string>().ShouldBe("completed");
        await creator.NextPush(frame => frame["event"]!.GetValue<string>() == "task:updated"
            && frame["data"]!["id"]!.GetValue<string>() == id && frame["data"]!["status"]!.GetValue<string>() == "completed");
    }

    /// <summary>
    /// Sends until acknowledged; an <c>unavailable</c> error (the silo died under the call) is retried. With
    /// <paramref name="conflictMeansApplied"/>, a <c>conflict</c> after such a retry means the first attempt
    /// applied, and null is returned.
    /// </summary>
    private static async Task<JsonNode?> Acknowledged(WsClient client, string eventName, object data, bool conflictMeansApplied)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var retried = false;
        while (true)
        {
            var reply = await client.Request(eventName, data);
            if (reply["event"]!.GetValue<string>() == "ack")
            {
                return reply["data"]!;
            }
            var code = reply["data"]!["code"]!.GetValue<string>();
            if (retried && conflictMeansApplied && code == "conflict")
            {
                return null;
            }
            (code == "unavailable" && DateTime.UtcNow < deadline).ShouldBeTrue(
                string.Create(CultureInfo.InvariantCulture, $"{eventName} was refused: {reply.ToJsonString()}"));
            retried = true;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<JsonNode> Acknowledged(WsClient client, string eventName, object data) =>
        (await Acknowledged(client, eventName, data, conflictMeansApplied: false))!;
}
