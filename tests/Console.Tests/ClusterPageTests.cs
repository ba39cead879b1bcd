using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>Orleans' dashboard, reached from the console's navigation, behind the same operator sign-in.</summary>
public sealed class ClusterPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_operator_opens_the_Orleans_dashboard_from_the_console_and_sees_the_silo()
    {
        await using var console = await fixture.Open("/console", "Agents");
        var page = console.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Cluster" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/cluster/$"));
        await Expect(page).ToHaveTitleAsync("Orleans Dashboard");
        await Expect(page.GetByText("Active Silos").First).ToBeVisibleAsync();
        await Expect(page.GetByText("Total Activations").First).ToBeVisibleAsync();
        await console.Screenshot("cluster");
    }

    [Fact]
    public async Task Without_sign_in_off_loopback_the_dashboard_and_its_data_are_refused()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Server.Address };
        var cancel = TestContext.Current.CancellationToken;

        foreach (var path in new[] { "/console/cluster/", "/console/cluster/DashboardCounters", "/console/cluster/GrainState?grainId=x", "/console/cluster/Trace" })
        {
            using var refused = await http.GetAsync(path, cancel);
            refused.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            refused.Headers.Location!.AbsolutePath.ShouldBe("/console/signin", path);
        }
        // The operator token is for the console's sign-in, not a bearer token for the dashboard.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/console/cluster/DashboardCounters");
        bearer.Headers.Authorization = new("Bearer", Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer.OperatorToken);
        (await http.SendAsync(bearer, cancel)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }
}
