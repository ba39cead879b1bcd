using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// What clients are told while a silo dies (<see cref="ProcessCluster"/>, PostgreSQL; skipped without it): reads are
/// retried inside the gateway until the grains they need live again, and whatever still cannot be served is answered
/// 503 with Retry-After and the <c>unavailable</c> problem, never 500.
/// </summary>
public sealed class FailoverAnswersTests : IAsyncDisposable
{
    private static readonly TimeSpan Watched = TimeSpan.FromSeconds(20);

    private ProcessCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task No_request_answers_500_while_a_silo_process_is_killed()
    {
        _cluster = await ProcessCluster.StartAsync();
        var cancellation = TestContext.Current.CancellationToken;
        var gateways = new[] { Client(_cluster.Gateway1), Client(_cluster.Gateway2) };
        try
        {
            // Enough grains that both silos hold some: keys, tasks and an agent, each read back through both gateways.
            var run = Guid.NewGuid().ToString("N")[..8];
            var agent = $"reader-{run}";
            (await gateways[0].Post("/api/agents/register", new { name = agent, type = "llm" })).Status.ShouldBe(HttpStatusCode.Created);
            var reads = new List<string> { $"/api/agents/{agent}", "/api/tasks?status=pending", "/api/memory?prefix=failover/" };
            for (var i = 0; i < 12; i++)
            {
                (await gateways[i % 2].Put($"/api/memory/failover/{run}/{i}", new { value = i })).Status.ShouldBe(HttpStatusCode.Created);
                var task = await gateways[i % 2].Post("/api/tasks", new { title = $"read me {i}", requirements = new { capabilities = new[] { $"none-{run}" } } });
                task.Status.ShouldBe(HttpStatusCode.Created, task.Body?.ToJsonString());
                reads.Add($"/api/memory/failover/{run}/{i}");
                reads.Add($"/api/tasks/{task.Json["id"]!.GetValue<string>()}");
            }

            var answers = new ConcurrentBag<Answer>();
            var sinceKill = new Stopwatch();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            async Task Read(HttpClient gateway, int offset)
            {
                for (var i = offset; !stop.IsCancellationRequested; i++)
                {
                    answers.Add(await Ask(gateway, HttpMethod.Get, reads[i % reads.Count], null, sinceKill));
                }
            }
            async Task Write(HttpClient gateway, int offset)
            {
                for (var i = offset; !stop.IsCancellationRequested; i++)
                {
                    answers.Add(await Ask(gateway, HttpMethod.Put, $"/api/memory/failover/{run}/w{i % 8}", new { value = i }, sinceKill));
                }
            }
            var traffic = new[] { Read(gateways[0], 0), Read(gateways[1], 5), Read(gateways[0], 11), Read(gateways[1], 17), Write(gateways[0], 0), Write(gateways[1], 4) };

            await Poll.Until(() => Task.FromResult(answers.Count >= 50), "traffic flows before the kill", TimeSpan.FromSeconds(30));
            await _cluster.SiloA.KillAsync();
            sinceKill.Start();
            await Task.Delay(Watched, cancellation);
            await stop.CancelAsync();
            await Task.WhenAll(traffic);

            var afterKill = answers.Where(answer => answer.EndedAfterKill is not null).ToList();
            var unavailable = afterKill.Count(answer => answer.Status == HttpStatusCode.ServiceUnavailable);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{answers.Count} requests, {afterKill.Count} answered after the kill: {unavailable} with 503, " +
                $"slowest {afterKill.Max(answer => answer.Took.TotalSeconds):F1} s; last 503 at " +
                $"{afterKill.Where(answer => answer.Status == HttpStatusCode.ServiceUnavailable).Select(answer => answer.EndedAfterKill!.Value.TotalSeconds).DefaultIfEmpty().Max():F1} s");

            answers.Where(answer => answer.Status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable))
                .ShouldBeEmpty("every request is served or answered 503");
            answers.Where(answer => answer.Status == HttpStatusCode.ServiceUnavailable && !answer.HonestUnavailable)
                .ShouldBeEmpty("a 503 is the unavailable problem with Retry-After");
            answers.Count(answer => answer.Method == HttpMethod.Get && answer.EndedAfterKill is not null
                    && (answer.AfterKill is null || answer.AfterKill < TimeSpan.FromSeconds(3)))
                .ShouldBeGreaterThan(0, "reads were under way as the silo died");
            // The survivors serve everything again well within the window: the last seconds are all answered.
            afterKill.Where(answer => answer.AfterKill > Watched - TimeSpan.FromSeconds(5))
                .ShouldAllBe(answer => answer.Status == HttpStatusCode.OK || answer.Status == HttpStatusCode.Created);
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
        finally
        {
            foreach (var gateway in gateways)
            {
                gateway.Dispose();
            }
        }
    }

    private static HttpClient Client(ClusterProcess gateway)
    {
        var http = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ProcessCluster.OperatorToken);
        return http;
    }

    private static async Task<Answer> Ask(HttpClient gateway, HttpMethod method, string url, object? body, Stopwatch sinceKill)
    {
        var startedAfterKill = sinceKill.IsRunning ? sinceKill.Elapsed : (TimeSpan?)null;
        var took = Stopwatch.StartNew();
        var response = await gateway.Send(method, url, body);
        var endedAfterKill = sinceKill.IsRunning ? sinceKill.Elapsed : (TimeSpan?)null;
        var honest = response.Status == HttpStatusCode.ServiceUnavailable
            && response.Raw.Headers.RetryAfter?.Delta is { } delay && delay > TimeSpan.Zero
            && response.Json?["code"]?.GetValue<string>() == "unavailable";
        return new Answer(method, url, response.Status, honest, startedAfterKill, endedAfterKill, took.Elapsed);
    }

    /// <param name="AfterKill">When it was sent, counted from the kill; null when sent before.</param>
    private sealed record Answer(
        HttpMethod Method, string Url, HttpStatusCode Status, bool HonestUnavailable, TimeSpan? AfterKill, TimeSpan? EndedAfterKill, TimeSpan Took)
    {
        public override string ToString() =>
            $"{Method} {Url} → {(int)Status} (sent {AfterKill?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "before"} s after the kill, took {Took.TotalSeconds:F1} s)";
    }
}
