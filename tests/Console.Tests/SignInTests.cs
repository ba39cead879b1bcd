using System.Net;
using System.Text.RegularExpressions;
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
