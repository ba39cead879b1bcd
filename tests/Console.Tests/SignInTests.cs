using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.AgentChannel.WebFrontend.Components.Account;
using AgentChannelServer = Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer;
using TempDatabase = Orleans.AgentChannel.WebFrontend.Tests.TempDatabase;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed partial class SignInTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_console_asks_for_the_operator_token_refuses_a_wrong_one_and_signs_out()
    {
        await using var context = await fixture.NewContext();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/console/tasks");
        await Expect(page).ToHaveURLAsync(new Regex("/console/signin\\?returnUrl=%2Fconsole%2Ftasks$"));
        await page.GetByLabel("Operator token").FillAsync("not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That is not the operator token.");
        await Screenshots.Save(page, "signin");

        await page.GetByLabel("Operator token").FillAsync(Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer.OperatorToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Task board", Level = 1 })).ToBeVisibleAsync();

        await page.GetByTestId("sign-out").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/console/signin$"));
        await page.GotoAsync("/console");
        await Expect(page).ToHaveURLAsync(new Regex("/console/signin\\?returnUrl=%2Fconsole$"));
    }

    [Fact]
    public async Task Pages_and_the_Blazor_hub_need_the_cookie_and_the_API_never_takes_it()
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = fixture.Server.Address };
        var cancel = TestContext.Current.CancellationToken;

        var root = await http.GetAsync("/", cancel);
        root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        root.Headers.Location!.ToString().ShouldBe("/console");
        foreach (var path in new[] { "/console", "/console/agents", "/console/tasks", "/console/messages", "/console/memory", "/console/metrics" })
        {
            var page = await http.GetAsync(path, cancel);
            page.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            page.Headers.Location!.AbsolutePath.ShouldBe("/console/signin", path);
        }
        (await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null, cancel)).StatusCode.ShouldNotBe(HttpStatusCode.OK);

        // A sign-in may only send the browser back into the console, never to another site.
        var signedIn = await PostSignIn(http, Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer.OperatorToken, returnUrl: "https://elsewhere.example/");
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        new Uri(fixture.Server.Address, signedIn.Headers.Location!).ShouldBe(new Uri(fixture.Server.Address, "/console"));
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(value => value.StartsWith("agentchannel-console=", StringComparison.Ordinal));
        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=strict", Case.Insensitive);

        (await http.GetAsync("/console/tasks", cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await http.PostAsync("/_blazor/negotiate?negotiateVersion=1", null, cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
        // The console cookie is not an API credential: the API wants a bearer token.
        (await http.GetAsync("/api/agents", cancel)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await http.GetAsync("/api/health", cancel)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_wrong_token_sets_no_cookie()
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = fixture.Server.Address };

        var refused = await PostSignIn(http, "op_guess", returnUrl: null);

        refused.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("That is not the operator token.");
        cookies.GetAllCookies().ShouldNotContain(cookie => cookie.Name == "agentchannel-console");
        (await http.GetAsync("/console", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Repeated_wrong_tokens_lock_the_address_out_for_longer_each_time_and_other_addresses_are_not_slowed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var database = new TempDatabase();
        await using var server = await AgentChannelServer.StartAsync(database.Path, new Dictionary<string, string?> { ["Urls"] = "http://0.0.0.0:0" },
            services => services.AddSingleton(new SignInThrottle(clock)));
        using var guesser = ClientFrom(server.Address, "127.0.0.1");
        using var neighbour = ClientFrom(server.Address, "127.0.0.2");
        const string token = AgentChannelServer.OperatorToken;

        for (var attempt = 0; attempt < SignInThrottle.FreeFailures; attempt++)
        {
            await ShouldBeRefused(await PostSignIn(guesser, $"guess-{attempt}", returnUrl: null));
        }
        // Locked out for 1 s: not even the right token is checked.
        var lockedOut = await PostSignIn(guesser, token, returnUrl: null);
        await ShouldBeLockedOut(lockedOut, seconds: 1);
        await ShouldBeRefused(await PostSignIn(neighbour, "neighbour-guess", returnUrl: null));

        clock.Advance(TimeSpan.FromSeconds(1));
        await ShouldBeRefused(await PostSignIn(guesser, "guess-after-a-second", returnUrl: null));
        await ShouldBeLockedOut(await PostSignIn(guesser, token, returnUrl: null), seconds: 2);
        clock.Advance(TimeSpan.FromSeconds(1));
        await ShouldBeLockedOut(await PostSignIn(guesser, token, returnUrl: null), seconds: 1);

        clock.Advance(TimeSpan.FromSeconds(1));
        var signedIn = await PostSignIn(guesser, token, returnUrl: null);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signedIn.Headers.GetValues("Set-Cookie").ShouldContain(cookie => cookie.StartsWith("agentchannel-console=", StringComparison.Ordinal));
        // The right token clears the record: the next wrong one is free again.
        await ShouldBeRefused(await PostSignIn(guesser, "one-more-guess", returnUrl: null));
    }

    private static async Task ShouldBeRefused(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("That is not the operator token.");
    }

    private static async Task ShouldBeLockedOut(HttpResponseMessage response, int seconds)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(seconds));
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))
            .ShouldContain($"Too many wrong tokens from this address. Try again in {seconds} s.");
        response.Headers.TryGetValues("Set-Cookie", out var cookies).ShouldBeFalse(string.Join("; ", cookies ?? []));
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x address is this machine).</summary>
    private static HttpClient ClientFrom(Uri server, string localAddress) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        CookieContainer = new CookieContainer(),
        ConnectCallback = async (context, cancel) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = server };

    /// <summary>Submits the sign-in form as a browser would: its antiforgery token, the form name, the token field.</summary>
    private static async Task<HttpResponseMessage> PostSignIn(HttpClient http, string token, string? returnUrl)
    {
        var cancel = TestContext.Current.CancellationToken;
        var path = returnUrl is null ? "/console/signin" : $"/console/signin?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var form = await http.GetStringAsync(path, cancel);
        var antiforgery = AntiforgeryField().Match(form).Groups["value"].Value;
        antiforgery.ShouldNotBeEmpty();
        return await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "operator-signin",
            ["__RequestVerificationToken"] = antiforgery,
            ["Input.Token"] = token,
        }), cancel);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
