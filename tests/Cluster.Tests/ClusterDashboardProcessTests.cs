using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>Orleans' dashboard served by a gateway in client mode (<see cref="TwoSiloCluster"/>; skipped without PostgreSQL).</summary>
public sealed class ClusterDashboardProcessTests : IAsyncDisposable
{
    private TwoSiloCluster? _cluster;

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
        _cluster = await TwoSiloCluster.StartAsync();
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
}
