using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// What operators and orchestrators see of a gateway in client mode (<see cref="ProcessCluster"/>; skipped without
/// PostgreSQL): Orleans' dashboard, and the liveness and readiness endpoints.
/// </summary>
public sealed class GatewayOperationsProcessTests : IAsyncDisposable
{
    private ProcessCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_gateway_in_client_mode_serves_the_dashboard_with_every_silo_of_the_cluster()
    {
        _cluster = await ProcessCluster.StartAsync();
        try
        {
            // The gateway listens on loopback only, where the console (and so the dashboard) needs no sign-in.
            using var http = new HttpClient { BaseAddress = _cluster.Gateway1.Address };
            (await http.GetStringAsync("/console/cluster/", TestContext.Current.CancellationToken)).ShouldContain("<title>Orleans Dashboard</title>");
            await WebFrontend.Tests.Poll.Until(async () =>
            {
                using var counters = await http.GetAsync("/console/cluster/DashboardCounters", TestContext.Current.CancellationToken);
                counters.StatusCode.ShouldBe(HttpStatusCode.OK);
                var body = JsonNode.Parse(await counters.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
                return body["totalActiveHostCount"]?.GetValue<int>() == 2;
            }, "the dashboard counts both silos", TimeSpan.FromSeconds(30));
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_gateway_is_ready_while_a_silo_with_its_storage_answers_and_live_throughout()
    {
        _cluster = await ProcessCluster.StartAsync();
        var cancellation = TestContext.Current.CancellationToken;
        try
        {
            using var http = new HttpClient { BaseAddress = _cluster.Gateway1.Address };
            async Task<(HttpStatusCode Status, string State)> Ready()
            {
                using var response = await http.GetAsync("/health/ready", cancellation);
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellation))!;
                return (response.StatusCode, body["status"]!.GetValue<string>());
            }

            (await Ready()).ShouldBe((HttpStatusCode.OK, "ready"));
            (await http.GetAsync("/health/live", cancellation)).StatusCode.ShouldBe(HttpStatusCode.OK);

            // No silo left: the gateway still serves HTTP (live) but is not ready.
            await _cluster.SiloA.KillAsync();
            await _cluster.SiloB.KillAsync();
            await WebFrontend.Tests.Poll.Until(async () => await Ready() == (HttpStatusCode.ServiceUnavailable, "unavailable"),
                "the gateway says it is not ready once no silo answers", TimeSpan.FromSeconds(30));
            (await http.GetAsync("/health/live", cancellation)).StatusCode.ShouldBe(HttpStatusCode.OK);

            // A silo joins again (it applies the schema before it becomes active): ready again.
            await _cluster.SiloB.StartAsync();
            await WebFrontend.Tests.Poll.Until(async () => await Ready() == (HttpStatusCode.OK, "ready"),
                "the gateway is ready again once a silo has joined", TimeSpan.FromSeconds(60));
        }
        catch (Exception) when (_cluster.Report())
        {
            throw;
        }
    }
}
