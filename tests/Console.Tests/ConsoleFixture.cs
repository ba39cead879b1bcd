using Orleans.AgentChannel.Plugins;
using AgentChannelServer = Orleans.AgentChannel.WebFrontend.Tests.AgentChannelServer;
using TempDatabase = Orleans.AgentChannel.WebFrontend.Tests.TempDatabase;
using System.Net;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Orleans.AgentChannel.Console.Tests.ConsoleFixture))]

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>
/// One real host and one headless Debian Chromium (never a downloaded browser) for the whole assembly.
/// Each test opens its own browser context, already signed in with the operator token.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly SemaphoreSlim _signInGate = new(1, 1);
    private IPlaywright? _playwright;
    private string? _signedInState;

    private readonly TempDatabase _database = new();

    public AgentChannelServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Api Operator { get; private set; } = null!;

    public Api Anonymous { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Browser tests need Debian's Chromium at {ChromiumPath}: apt-get install -y chromium");
        }
        // Auto-waiting assertions: generous for a loaded 2-core CI box, yet a broken page fails in seconds.
        Assertions.SetDefaultExpectTimeout(15_000);
        // Bound to every interface, like a console other machines can reach: sign-in with the operator token is
        // required (LoopbackAccessTests cover the local run, where it is not).
        // Traced, so the console's timelines have spans to show (TraceTimelineTests).
        var server = AgentChannelServer.StartAsync(_database.Path,
            new Dictionary<string, string?> { ["Urls"] = "http://0.0.0.0:0", ["AgentChannel:Tracing:Enabled"] = "true" },
            // Fails only on its marker, so other tests never meet it; the Plugins page test shows its failure.
            services => services.AddAgentChannelPlugin<MarkerFailingInterceptor>());
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
        Server = await server;
        Operator = new Api(Server.Address, AgentChannelServer.OperatorToken);
        Anonymous = new Api(Server.Address, null);
    }

    public async ValueTask DisposeAsync()
    {
        Operator?.Dispose();
        Anonymous?.Dispose();
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        _database.Dispose();
        _signInGate.Dispose();
    }

    /// <summary>A new browser context (its own cookies), not signed in.</summary>
    public Task<IBrowserContext> NewContext(string? storageState = null, ColorScheme colorScheme = ColorScheme.Light) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.Address.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            StorageState = storageState,
            ColorScheme = colorScheme,
        });

    /// <summary>Opens a console page in a fresh context signed in as the operator, once its circuit has rendered it.</summary>
    public async Task<ConsolePage> Open(string path, string heading, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await NewContext(await SignedInState(), colorScheme);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        var console = new ConsolePage(page, context);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        return console;
    }

    /// <summary>Opens a console page of another host (one with a history of its own), signing in there first.</summary>
    public async Task<ConsolePage> OpenOn(AgentChannelServer server, string path, string heading)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Address.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await SignIn(page, AgentChannelServer.OperatorToken);
        await page.GotoAsync(path);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
        return new ConsolePage(page, context);
    }

    /// <summary>Registers an agent with a name unique to the test.</summary>
    public async Task<TestAgent> RegisterAgent(string prefix, params string[] capabilities)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 7)];
        var registered = await Anonymous.Post("/api/agents/register", new { name, type = "llm", capabilities }, HttpStatusCode.Created);
        var token = registered["token"]!.GetValue<string>();
        return new TestAgent(name, token, new Api(Server.Address, token));
    }

    /// <summary>Signs in through the real sign-in page once; later contexts reuse its cookie.</summary>
    private async Task<string> SignedInState()
    {
        await _signInGate.WaitAsync();
        try
        {
            if (_signedInState is null)
            {
                await using var context = await NewContext();
                var page = await context.NewPageAsync();
                await SignIn(page, AgentChannelServer.OperatorToken);
                _signedInState = await context.StorageStateAsync();
            }
            return _signedInState;
        }
        finally
        {
            _signInGate.Release();
        }
    }

    public static async Task SignIn(IPage page, string token)
    {
        await page.GotoAsync("/console/signin");
        await page.GetByLabel("Operator token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}

/// <summary>A console tab; disposing it navigates away first so Blazor ends the circuit at once.</summary>
public sealed class ConsolePage(IPage page, IBrowserContext context) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public Task Screenshot(string name) => Screenshots.Save(Page, name);

    public async ValueTask DisposeAsync()
    {
        await Page.GotoAsync("about:blank");
        await context.CloseAsync();
    }
}

/// <summary>
/// Full-page screenshots of each console page, kept as test artifacts in TestResults/console-screenshots at the
/// repository root (for people to look at; never compared).
/// </summary>
public static class Screenshots
{
    public static string Folder { get; } = FindFolder();

    public static Task Save(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{name}.png"), FullPage = true });

    private static string FindFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.AgentChannel.sln")))
        {
            directory = directory.Parent;
        }
        var folder = Path.Combine(directory?.FullName ?? Path.GetTempPath(), "TestResults", "console-screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
