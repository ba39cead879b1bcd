using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// Exactly once at the edges, as a client that retries sees it: 2,000 writes (messages, task creates and completions,
/// memory compare-and-set), each with an idempotency key, while the server is killed (SIGKILL) and restarted three
/// times; every write that got no answer (the connection died, or 503) is sent again with its key until it is answered.
/// Afterwards each write exists exactly once and every answer matches what is stored.
/// </summary>
public sealed class ExactlyOnceTests : IAsyncDisposable
{
    private const string Capability = "exact-work";
    private const int Messages = 1000;
    private const int Tasks = 500;
    private const int MemoryKeys = 10;
    private const int WritesPerKey = 50;
    private static readonly int[] KillAfter = [500, 1000, 1500];

    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        // Long enough that no task changes hands while the server restarts: completions stay the assignee's.
        ["AgentChannel__Tasks__LeaseSeconds"] = "300",
        ["AgentChannel__Presence__OfflineAfterSeconds"] = "300",
        ["AgentChannel__Tasks__DispatchIntervalMilliseconds"] = "100",
    });

    private int _answered;
    private int _retries;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact(Timeout = 300_000)]
    public async Task Two_thousand_keyed_writes_retried_across_three_kills_exist_exactly_once_as_answered()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await _server.StartAsync();
        using var operatorApi = _server.Client();
        var sender = await ProcessApi.Register(_server, operatorApi, "sender", []);
        var worker = await ProcessApi.Register(_server, operatorApi, "worker", [Capability]);

        var messages = new ConcurrentDictionary<int, JsonNode>();
        var tasks = new ConcurrentDictionary<int, JsonNode>();
        var completions = new ConcurrentDictionary<string, JsonNode>();
        var memory = new ConcurrentDictionary<(int Key, int Write), (int Value, JsonNode Answer)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);

        var killer = Task.Run(async () =>
        {
            foreach (var threshold in KillAfter)
            {
                while (Volatile.Read(ref _answered) < threshold)
                {
                    await Task.Delay(10, cancellation);
                }
                await _server.CrashAsync();
                await _server.StartAsync();
            }
        }, cancellation);
        var writers = new List<Task>
        {
            Task.Run(async () =>
            {
                for (var i = 0; i < Messages; i += 2)
                {
                    messages[i] = await Write(sender, HttpMethod.Post, "/api/messages", new { recipients = new[] { "worker" }, content = $"message {i}" }, HttpStatusCode.Created);
                }
            }, cancellation),
            Task.Run(async () =>
            {
                for (var i = 1; i < Messages; i += 2)
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
                // Each key's writes in order: compare-and-set on the version the previous answer gave.
                for (var write = 0; write < WritesPerKey; write++)
                {
                    for (var key = 0; key < MemoryKeys; key++)
                    {
                        var value = (key * 1000) + write;
                        var answer = await Write(sender, HttpMethod.Put, $"/api/memory/exact/{key}", new { value, expected_version = write },
                            write == 0 ? HttpStatusCode.Created : HttpStatusCode.OK);
                        memory[(key, write)] = (value, answer);
                    }
                }
            }, cancellation),
        };
        // The worker completes what it is given, each completion keyed by the task, so finding the task again after a
        // lost answer repeats the same write.
        var completing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                JsonArray held;
                try
                {
                    held = JsonNode.Parse(await worker.GetStringAsync("/api/tasks?assignee=worker&status=assigned&limit=100", stop.Token))!["items"]!.AsArray();
                }
                catch (Exception error) when (error is HttpRequestException or IOException || (error is TaskCanceledException && !stop.IsCancellationRequested))
                {
                    await Task.Delay(100, CancellationToken.None);
                    continue;
                }
                catch (OperationCanceledException)
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

        await Task.WhenAll(writers);
        await killer;
        await ProcessApi.Poll(() => Task.FromResult(completions.Count == Tasks), "the worker completed every task", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await completing;
        TestContext.Current.TestOutputHelper?.WriteLine($"{_answered} writes answered, {_retries} sent again with their key, {KillAfter.Length} kills");
        _retries.ShouldBeGreaterThan(0, "some writes lost their answer to a kill and were sent again");

        // Messages: each once in the log and once in the worker's inbox, as answered.
        var stored = new Dictionary<string, JsonNode>();
        string? cursor = null;
        do
        {
            var page = await ProcessApi.Json(operatorApi, $"/api/messages?sender=sender&limit=500{(cursor is null ? "" : $"&cursor={cursor}")}");
            foreach (var message in page["items"]!.AsArray())
            {
                stored.Add(message!["id"]!.GetValue<string>(), message);
            }
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        stored.Count.ShouldBe(Messages, "the log holds each message once");
        foreach (var (i, answer) in messages)
        {
            var id = answer["id"]!.GetValue<string>();
            stored.ShouldContainKey(id);
            stored[id]["content"]!.GetValue<string>().ShouldBe($"message {i}");
            answer["content"]!.GetValue<string>().ShouldBe($"message {i}");
        }
        var inbox = (await ProcessApi.Inbox(worker)).Where(item => item["event"]!.GetValue<string>() == "message:received")
            .Select(item => item["data"]!["id"]!.GetValue<string>()).ToList();
        inbox.Count.ShouldBe(Messages, "the worker's inbox holds each message once");
        inbox.ToHashSet().SetEquals(stored.Keys).ShouldBeTrue();

        // Tasks: each once, completed once, with the result answered.
        var listed = JsonNode.Parse(await operatorApi.GetStringAsync("/api/tasks?creator=sender&limit=500", cancellation))!["items"]!.AsArray()
            .ToDictionary(task => task!["id"]!.GetValue<string>(), task => task!);
        listed.Count.ShouldBe(Tasks, "each task once");
        foreach (var (i, answer) in tasks)
        {
            var id = answer["id"]!.GetValue<string>();
            listed[id]["title"]!.GetValue<string>().ShouldBe($"task {i}");
            listed[id]["status"]!.GetValue<string>().ShouldBe("completed");
            listed[id]["result"]!["done"]!.GetValue<string>().ShouldBe(id);
            completions[id]["status"]!.GetValue<string>().ShouldBe("completed");
        }

        // Memory: each key at exactly its number of writes, every version holding the value whose answer named it.
        for (var key = 0; key < MemoryKeys; key++)
        {
            (await ProcessApi.Json(operatorApi, $"/api/memory/exact/{key}"))["version"]!.GetValue<long>().ShouldBe(WritesPerKey);
            var history = (await ProcessApi.Json(operatorApi, $"/api/memory/exact/{key}/history?limit=100"))["items"]!.AsArray()
                .ToDictionary(version => version!["version"]!.GetValue<long>(), version => version!["value"]!.GetValue<int>());
            for (var write = 0; write < WritesPerKey; write++)
            {
                var (value, answer) = memory[(key, write)];
                answer["version"]!.GetValue<long>().ShouldBe(write + 1);
                history[write + 1].ShouldBe(value);
            }
        }
    }

    /// <summary>
    /// Sends the write with a key until it is answered: a connection that died with the server, or a 503, is no answer,
    /// and the same request goes again with the same key. Returns the answer's body, which must have the expected status.
    /// </summary>
    private async Task<JsonNode> Write(HttpClient client, HttpMethod method, string url, object body, HttpStatusCode expected, string? key = null)
    {
        key ??= Guid.NewGuid().ToString();
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
            using var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            }
            catch (Exception error) when (error is HttpRequestException or IOException
                                          || (error is TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested))
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
}
