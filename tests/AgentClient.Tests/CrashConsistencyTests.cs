using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// The one-machine product killed (SIGKILL) five times under mixed traffic — messages, task create → assign →
/// complete, memory compare-and-set — and restarted on the same SQLite file each time. Afterwards: every write that was
/// acknowledged is stored; every task's state and the task lists agree; every task held by an agent is in that agent's
/// inbox as task:assigned; and the tasks of an agent that vanished are back in the queue within its lease.
/// </summary>
public sealed class CrashConsistencyTests : IAsyncDisposable
{
    private const string Capability = "crash-work";
    private const int Kills = 5;
    private const double LeaseSeconds = 6;

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["AgentChannel__Tasks__LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AgentChannel__Tasks__DispatchIntervalMilliseconds"] = "100",
        ["AgentChannel__Presence__OfflineAfterSeconds"] = "4",
        // After each restart the vanished agent and the tasks it held come back through their reminders.
        ["AgentChannel__Recovery__ReminderSeconds"] = "2",
    });

    private readonly ConcurrentBag<string> _ackedMessages = [];
    private readonly ConcurrentBag<(string Key, long Version, int Value)> _ackedMemory = [];
    private readonly ConcurrentBag<string> _ackedTasks = [];
    private readonly ConcurrentBag<string> _ackedCompletions = [];

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact(Timeout = 300_000)]
    public async Task Nothing_acknowledged_is_lost_and_tasks_lists_and_inboxes_agree_after_repeated_kill_9()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await _server.StartAsync();
        using var operatorApi = _server.Client();
        var sender = await ProcessApi.Register(_server, operatorApi, "sender", []);
        var workers = new List<(string Name, HttpClient Api)>();
        for (var i = 0; i < 3; i++)
        {
            workers.Add(($"worker-{i}", await ProcessApi.Register(_server, operatorApi, $"worker-{i}", [Capability])));
        }
        // Takes work like the others, then stops sending heartbeats after the second kill: it vanished.
        var ghost = await ProcessApi.Register(_server, operatorApi, "ghost", [Capability]);
        var ghostAlive = true;

        var round = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            using var traffic = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var loops = new List<Task>
            {
                Loop(() => SendMessage(sender, $"message {Interlocked.Increment(ref round)}"), traffic.Token),
                Loop(() => CreateTask(sender, $"task {Interlocked.Increment(ref round)}"), traffic.Token),
                Loop(() => CompareAndSet(sender, $"crash/key-{Interlocked.Increment(ref round) % 5}"), traffic.Token),
            };
            loops.AddRange(workers.Select(worker => Loop(() => Work(worker.Name, worker.Api), traffic.Token)));
            if (ghostAlive)
            {
                loops.Add(Loop(() => Heartbeat(ghost, "ghost"), traffic.Token));
            }
            await Task.Delay(TimeSpan.FromSeconds(2.5), cancellation);
            await _server.CrashAsync();
            await traffic.CancelAsync();
            await Task.WhenAll(loops);
            ghostAlive = kill < 2;
            await _server.StartAsync();
        }

        // Settle: the workers keep working and the ghost stays silent until nothing is waiting for a live worker.
        using (var settling = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            var loops = workers.Select(worker => Loop(() => Work(worker.Name, worker.Api), settling.Token)).ToList();
            await ProcessApi.Poll(async () =>
            {
                var open = await AllTasks(operatorApi);
                return open.All(task => task["status"]!.GetValue<string>() == "completed");
            }, "every task, the vanished agent's included, is completed by a live worker", TimeSpan.FromSeconds(90));
            await settling.CancelAsync();
            await Task.WhenAll(loops);
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Kills} kills; acknowledged: {_ackedMessages.Count} messages, {_ackedTasks.Count} tasks created, " +
            $"{_ackedCompletions.Count} completions, {_ackedMemory.Count} memory writes");
        new[] { _ackedMessages.Count, _ackedTasks.Count, _ackedMemory.Count, _ackedCompletions.Count }.ShouldAllBe(count => count > 0, "every kind of write was acknowledged");

        // Messages: stored, and in the recipient's inbox exactly once.
        var inbox = await ProcessApi.Inbox(workers[0].Api);
        var received = inbox.Where(item => item["event"]!.GetValue<string>() == "message:received")
            .Select(item => item["data"]!["id"]!.GetValue<string>()).ToList();
        foreach (var id in _ackedMessages)
        {
            (await operatorApi.GetAsync($"/api/messages/{id}", cancellation)).StatusCode.ShouldBe(HttpStatusCode.OK, $"message {id}");
            received.Count(seen => seen == id).ShouldBe(1, $"message {id} in worker-0's inbox");
        }

        // Memory: every acknowledged version is in the key's history (the newest 100 versions) with the value written.
        foreach (var key in _ackedMemory.GroupBy(write => write.Key))
        {
            var current = (await ProcessApi.Json(operatorApi, $"/api/memory/{key.Key}"))["version"]!.GetValue<long>();
            current.ShouldBeGreaterThanOrEqualTo(key.Max(write => write.Version));
            var history = (await ProcessApi.Json(operatorApi, $"/api/memory/{key.Key}/history?limit=100"))["items"]!.AsArray()
                .ToDictionary(version => version!["version"]!.GetValue<long>(), version => version!["value"]!.GetValue<int>());
            foreach (var write in key.Where(write => write.Version > current - 100))
            {
                history.ShouldContainKey(write.Version, $"{key.Key} v{write.Version}");
                history[write.Version].ShouldBe(write.Value);
            }
        }

        // Tasks: the list and each task's own state agree; all acknowledged ones exist; completions stuck.
        var listed = await AllTasks(operatorApi);
        var listedStatus = listed.ToDictionary(task => task["id"]!.GetValue<string>(), task => task["status"]!.GetValue<string>());
        _ackedTasks.ShouldAllBe(id => listedStatus.ContainsKey(id));
        foreach (var (id, status) in listedStatus)
        {
            (await ProcessApi.Json(operatorApi, $"/api/tasks/{id}"))["status"]!.GetValue<string>().ShouldBe(status, $"task {id}");
        }
        _ackedCompletions.ShouldAllBe(id => listedStatus[id] == "completed");
        // Every completed task was assigned to its completer first, and that agent heard of it.
        var assignedTo = new Dictionary<string, HashSet<string>>();
        foreach (var (name, api) in workers.Append(("ghost", ghost)))
        {
            assignedTo[name] = (await ProcessApi.Inbox(api)).Where(item => item["event"]!.GetValue<string>() == "task:assigned")
                .Select(item => item["data"]!["id"]!.GetValue<string>()).ToHashSet();
        }
        foreach (var task in listed)
        {
            var completer = task["assigned_to"]!.GetValue<string>();
            assignedTo[completer].ShouldContain(task["id"]!.GetValue<string>(), $"{completer} was told of the task it completed");
        }
    }

    /// <summary>Runs <paramref name="step"/> until cancelled; a step whose request died with the server is simply not acknowledged.</summary>
    private static async Task Loop(Func<Task> step, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                await step();
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
            {
                // The server is down: wait for the next start.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private async Task SendMessage(HttpClient sender, string content)
    {
        var sent = await sender.PostAsJsonAsync("/api/messages", new { recipients = new[] { "worker-0" }, content });
        if (sent.StatusCode == HttpStatusCode.Created)
        {
            _ackedMessages.Add(JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }
    }

    private async Task CreateTask(HttpClient creator, string title)
    {
        var created = await creator.PostAsJsonAsync("/api/tasks", new { title, requirements = new { capabilities = new[] { Capability } } });
        if (created.StatusCode == HttpStatusCode.Created)
        {
            _ackedTasks.Add(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }
        await Task.Delay(20);
    }

    private async Task CompareAndSet(HttpClient writer, string key)
    {
        var current = await writer.GetAsync($"/api/memory/{key}");
        var version = current.StatusCode == HttpStatusCode.OK
            ? JsonNode.Parse(await current.Content.ReadAsStringAsync())!["version"]!.GetValue<long>()
            : 0;
        var value = Random.Shared.Next();
        var written = await writer.PutAsJsonAsync($"/api/memory/{key}", new { value, expected_version = version });
        if (written.IsSuccessStatusCode)
        {
            _ackedMemory.Add((key, JsonNode.Parse(await written.Content.ReadAsStringAsync())!["version"]!.GetValue<long>(), value));
        }
    }

    private static async Task Heartbeat(HttpClient agent, string name)
    {
        await agent.PostAsJsonAsync($"/api/agents/{name}/heartbeat", new { });
        await Task.Delay(500);
    }

    /// <summary>A worker's turn: a heartbeat (which keeps its leases), then it completes what it holds.</summary>
    private async Task Work(string name, HttpClient worker)
    {
        await Heartbeat(worker, name);
        var held = JsonNode.Parse(await worker.GetStringAsync($"/api/tasks?assignee={name}&status=assigned"))!["items"]!.AsArray();
        foreach (var task in held)
        {
            var id = task!["id"]!.GetValue<string>();
            var completed = await worker.PostAsJsonAsync($"/api/tasks/{id}/complete",
                new { result = new { by = name }, assignment_id = task["assignment_id"]?.GetValue<string>() });
            if (completed.StatusCode == HttpStatusCode.OK)
            {
                _ackedCompletions.Add(id);
            }
        }
    }

    private static async Task<List<JsonNode>> AllTasks(HttpClient api)
    {
        var tasks = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await ProcessApi.Json(api, $"/api/tasks?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}");
            tasks.AddRange(page["items"]!.AsArray().Select(task => task!));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return tasks;
    }
}
