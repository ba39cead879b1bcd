using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class AgentsPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task An_agent_registered_over_REST_appears_and_its_status_chip_follows_its_status_live()
    {
        await using var console = await fixture.Open("/console", "Agents");
        var page = console.Page;

        var agent = await fixture.RegisterAgent("lively", "research");
        var status = page.Locator($"[data-agent-status='{agent.Name}'] [data-status]");
        await Expect(status).ToHaveTextAsync("online");
        await Expect(page.Locator($"[data-agent='{agent.Name}']")).ToBeVisibleAsync();

        await agent.Api.Put($"/api/agents/{agent.Name}/status", new { status = "busy" });
        await Expect(status).ToHaveTextAsync("busy");

        await agent.Api.Put($"/api/agents/{agent.Name}/status", new { status = "offline" });
        await Expect(status).ToHaveTextAsync("offline");
        await console.Screenshot("agents");
    }
}
