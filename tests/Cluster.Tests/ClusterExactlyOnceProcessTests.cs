using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// Exactly once and one commit per call on the scale-out deployment (<see cref="ProcessCluster"/>: three silo processes
/// and two gateways on PostgreSQL; skipped without it): keyed writes through both gateways — messages, task creates and
/// completions, memory compare-and-set — retried with their keys while one silo is killed. Afterwards every write exists
/// once, as answered; each task's state and the task list agree; whoever completed a task had its task:assigned.
/// </summary>
public sealed class ClusterExactlyOnceProcessTests : IAsyncDisposable
{
    private const string Capability = "cluster-work";
    private const int Messages = 300;
    private const int Tasks = 100;
    private const int MemoryKeys = 5;
    private const int WritesPerKey = 20;

    private ProcessCluster? _cluster;
    private int _answered;
    private int _retries;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task Keyed_writes_retried_through_a_silo_kill_exist_once_and_tasks_lists_and_inboxes_agree()
    {
        _cluster = await ProcessCluster.StartAsync(new Dictionary<string, string>
        {
            ["AgentChannel__Tasks__LeaseSeconds"] = "300",
            ["AgentChannel__Presence__OfflineAfterSeconds"] = "300",
        }, silos: 3);
        var cancellation = TestContext.Current.CancellationToken;
        try
        {
            using var operatorApi = Client(_cluster.Gateway1, ProcessCluster.OperatorToken);
            var sender = Client(_cluster.Gateway1, await Register(operatorApi, "sender", []));
            var worker = Client(_cluster.Gateway2, await Register(operatorApi, "worker", [Capability]));

            var messages = new ConcurrentDictionary<int, JsonNode>();
            var tasks = new ConcurrentDictionary<int, JsonNode>();
            var completions = new ConcurrentDictionary<string, JsonNode>();
            var memory = new ConcurrentDictionary<(int Key, int Write), (int Value, JsonNode Answer)>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

            var writers = new[]
            {
                Task.Run(async () =>
                {
                    for (var i = 0; i < Messages; i++)
                    {
                        messages[i] = await Write(sender, HttpMethod.Post, "/api/messages", new { recipients = new[] { "worker" }, content = $"message {i}" }, HttpStatusCode.Created);
                    }
                }, cancellation),
                Task.Run(async () =>
                {
                    for (var i = 0; i < Tasks; i++)
                    {
                        tasks[i] = await Write(sender, HttpMethod.Post, "/api/tasks", new { title = $"task {i}", requirements = new { capabilities = new[] { Capability } } }, HttpStatusCode.Created);
                    }
                }, cancellation),
                Task.Run(async () =>
                {
                    for (var write = 0; write < WritesPerKey; write++)
                    {
                        for (var key = 0; key < MemoryKeys; key++)
                        {
                            var value = (key * 1000) + write;
                            memory[(key, write)] = (value, await Write(sender, HttpMethod.Put, $"/api/memory/cluster/{key}", new { value, expected_version = write },
                                write == 0 ? HttpStatusCode.Created : HttpStatusCode.OK));
                        }
                    }
                }, cancellation),
            };
            var completing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    JsonArray held;
                    try
                    {
                        using var response = await worker.GetAsync("/api/tasks?assignee=worker&status=assigned&limit=100", stop.Token);
                        if (!response.IsSuccessStatusCode)
                        {
                            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                            await Task.Delay(200, CancellationToken.None);
                            continue;
                        }
                        held = JsonNode.Parse(await response.Content.ReadAsStringAsync(stop.Token))!["items"]!.AsArray();
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        return;
                    }
                    foreach (var task in held)
                    {
                        var id = task!["id"]!.GetValue<string>();
                        completions[id] = await Write(worker, HttpMethod.Post, $"/api/tasks/{id}/complete",
                            new { result = new { done = id }, assignment_id = task["assignment_id"]!.GetValue<string>() }, HttpStatusCode.OK, key: $"complete-{id}");
                    }
                    if (held.Count == 0)
                    {
                        await Task.Delay(50, CancellationToken.None);
                    }
                }
            }, cancellation);

            await Poll.Until(() => Task.FromResult(Volatile.Read(ref _answered) >= 150), "traffic flows before the kill", TimeSpan.FromSeconds(60));
            await _cluster.SiloA.KillAsync();
            await Task.WhenAll(writers);
            await Poll.Until(() => Task.FromResult(completions.Count == Tasks), "the worker completed every task", TimeSpan.FromSeconds(90));
            await stop.CancelAsync();
            await completing;
            TestContext.Current.TestOutputHelper?.WriteLine($"{_answered} keyed writes answered, {_retries} sent again with their key, one silo of three killed");

            // Messages: once in the log, once in the worker's inbox.
            var logged = (await operatorApi.Get($"/api/messages?sender=sender&limit=500")).Json["items"]!.AsArray()
                .ToDictionary(message => message!["id"]!.GetValue<string>(), message => message!["content"]!.GetValue<string>());
            logged.Count.ShouldBe(Messages, "the log holds each message once");
            messages.ShouldAllBe(answer => logged[answer.Value["id"]!.GetValue<string>()] == $"message {answer.Key}");
            var inbox = await Inbox(worker);
            var received = inbox.Where(item => item["event"]!.GetValue<string>() == "message:received").Select(item => item["data"]!["id"]!.GetValue<string>()).ToList();
            received.Count.ShouldBe(Messages, "the worker's inbox holds each message once");
            received.ToHashSet().SetEquals(logged.Keys).ShouldBeTrue();

            // Tasks: once each, list and state agree, completed as answered, and the worker was told of each.
            var listed = (await operatorApi.Get("/api/tasks?creator=sender&limit=500")).Json["items"]!.AsArray()
                .ToDictionary(task => task!["id"]!.GetValue<string>(), task => task!);
            listed.Count.ShouldBe(Tasks, "each task once");
            var assigned = inbox.Where(item => item["event"]!.GetValue<string>() == "task:assigned").Select(item => item["data"]!["id"]!.GetValue<string>()).ToHashSet();
            foreach (var (i, answer) in tasks)
            {
                var id = answer["id"]!.GetValue<string>();
                listed[id]["title"]!.GetValue<string>().ShouldBe($"task {i}");
                listed[id]["status"]!.GetValue<string>().ShouldBe("completed");
                (await operatorApi.Get($"/api/tasks/{id}")).Json["status"]!.GetValue<string>().ShouldBe("completed", $"task {id}: its state agrees with the list");
                completions[id]["status"]!.GetValue<string>().ShouldBe("completed");
                assigned.ShouldContain(id, $"the worker had task:assigned for {id}");
            }

            // Memory: each key at exactly its number of writes, each version holding the value its answer named.
            for (var key = 0; key < MemoryKeys; key++)
            {
                (await operatorApi.Get($"/api/memory/cluster/{key}")).Json["version"]!.GetValue<long>().ShouldBe(WritesPerKey);
                var history = (await operatorApi.Get($"/api/memory/cluster/{key}/history?limit=100")).Json["items"]!.AsArray()
                    .ToDictionary(version => version!["version"]!.GetValue<long>(), version => version!["value"]!.GetValue<int>());
                for (var write = 0; write < WritesPerKey; write++)
                {
                    var (value, answer) = memory[(key, write)];
                    answer["version"]!.GetValue<long>().ShouldBe(write + 1);
                    history[write + 1].ShouldBe(value);
                }
            }
            sender.Dispose();
            worker.Dispose();
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
    }

    private static HttpClient Client(ClusterProcess gateway, string token)
    {
        var http = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    private static async Task<string> Register(HttpClient api, string name, string[] capabilities)
    {
        var registered = await api.Post("/api/agents/register", new { name, type = "test", capabilities });
        registered.Status.ShouldBe(HttpStatusCode.Created);
        return registered.Json["token"]!.GetValue<string>();
    }

    /// <summary>Sends the write with its key until it is answered (a 503 or a lost connection is no answer); 500 fails the test.</summary>
    private async Task<JsonNode> Write(HttpClient client, HttpMethod method, string url, object body, HttpStatusCode expected, string? key = null)
    {
        key ??= Guid.NewGuid().ToString();
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException)
            {
                continue;
            }
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    continue;
                }
                var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                response.StatusCode.ShouldBe(expected, $"{method} {url} (key {key}, attempt {attempt + 1}): {text}");
                Interlocked.Increment(ref _answered);
                return JsonNode.Parse(text)!;
            }
        }
    }

    private static async Task<List<JsonNode>> Inbox(HttpClient agent)
    {
        var events = new List<JsonNode>();
        long since = 0;
        while (true)
        {
            var page = (await agent.Get($"/api/events/poll?since_seq={since}&limit=1000&wait_seconds=0")).Json;
            events.AddRange(page["events"]!.AsArray().Select(item => item!));
            since = page["next_since_seq"]!.GetValue<long>();
            if (!page["has_more"]!.GetValue<bool>())
            {
                return events;
            }
        }
    }
}
