using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using AgentChannelServer = Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer;
using TempDatabase = Orleans.AgentChannel.WebFrontend.Tests.TempDatabase;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>A local run: the host listens on 127.0.0.1 only, as <c>dotnet run</c> does by default.</summary>
public sealed class LoopbackServer : IAsyncLifetime
{
    private readonly TempDatabase _database = new();

    public AgentChannelServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await AgentChannelServer.StartAsync(_database.Path);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _database.Dispose();
    }
}

public sealed class LoopbackAccessTests(ConsoleFixture fixture, LoopbackServer local) : IClassFixture<LoopbackServer>
{
    [Fact]
    public async Task A_local_run_opens_the_console_without_the_operator_token_and_shows_it_is_local()
    {
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = local.Server.Address.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/console/tasks");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Task board", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("local-access")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("sign-out")).ToHaveCountAsync(0);
        await page.GotoAsync("about:blank");
    }

    [Fact]
    public async Task Loopback_access_covers_the_pages_and_the_Blazor_hub_but_never_the_API()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = local.Server.Address };
        var cancel = TestContext.Current.CancellationToken;

        (await http.GetAsync("/console/memory", cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync("/api/agents", cancel)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("Host", "rebound.example")]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7")]
    public async Task A_request_for_another_host_name_or_through_a_proxy_must_sign_in(string header, string value)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = local.Server.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/console");
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else
        {
            request.Headers.Add(header, value);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/console/signin");
    }

    [Fact]
    public async Task Bound_to_every_interface_the_console_wants_the_token_even_from_this_machine()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Server.Address };

        using var response = await http.GetAsync("/console", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/console/signin");
    }
}
