using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class AgentsPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task An_agent_registered_over_REST_appears_and_its_status_chip_and_task_count_follow_live()
    {
        await using var console = await fixture.Open("/console", "Agents");
        var page = console.Page;

        var agent = await fixture.RegisterAgent("lively", "research");
        var status = page.Locator($"[data-agent-status='{agent.Name}'] [data-status]");
        await Expect(status).ToHaveTextAsync("online");
        await Expect(page.Locator($"[data-agent='{agent.Name}']")).ToBeVisibleAsync();

        var boss = await fixture.RegisterAgent("boss");
        await boss.Api.Post("/api/tasks", new { title = $"Dig into {agent.Name}", assign_to = agent.Name }, HttpStatusCode.Created);
        await Expect(page.Locator($"[data-agent-tasks='{agent.Name}']")).ToHaveTextAsync("1");

        await agent.Api.Put($"/api/agents/{agent.Name}/status", new { status = "busy" });
        await Expect(status).ToHaveTextAsync("busy");

        await agent.Api.Put($"/api/agents/{agent.Name}/status", new { status = "offline" });
        await Expect(status).ToHaveTextAsync("offline");
        await console.Screenshot("agents");
    }

    [Fact]
    public async Task The_detail_drawer_shows_the_agents_tasks_and_messages_and_the_operator_sets_its_status()
    {
        var agent = await fixture.RegisterAgent("detailed", "analysis");
        var boss = await fixture.RegisterAgent("boss");
        await boss.Api.Post("/api/tasks", new { title = $"Summarize for {agent.Name}", assign_to = agent.Name }, HttpStatusCode.Created);
        await boss.Api.Post("/api/messages", new { content = $"Hello {agent.Name}, here is the brief", recipients = new[] { agent.Name } }, HttpStatusCode.Created);
        await using var console = await fixture.Open("/console", "Agents");
        var page = console.Page;

        await page.Locator($"[data-agent='{agent.Name}']").ClickAsync();
        var detail = page.GetByTestId("agent-detail");
        await Expect(detail.GetByTestId("agent-tasks")).ToContainTextAsync($"Summarize for {agent.Name}");
        await Expect(detail.GetByTestId("agent-messages")).ToContainTextAsync($"Hello {agent.Name}, here is the brief");

        await boss.Api.Post("/api/messages", new { content = "One more thing", recipients = new[] { agent.Name } }, HttpStatusCode.Created);
        await Expect(detail.GetByTestId("agent-messages")).ToContainTextAsync("One more thing");
        await console.Screenshot("agent-detail");

        await detail.GetByRole(AriaRole.Button, new() { Name = "busy", Exact = true }).ClickAsync();
        await Expect(page.Locator($"[data-agent-status='{agent.Name}'] [data-status]")).ToHaveTextAsync("busy");
        (await fixture.Operator.Get($"/api/agents/{agent.Name}"))["status"]!.GetValue<string>().ShouldBe("busy");
    }

    [Fact]
    public async Task The_operator_revokes_an_agents_token_and_retires_it_from_the_detail_drawer()
    {
        var agent = await fixture.RegisterAgent("lifecycle", "ops");
        await using var console = await fixture.Open("/console", "Agents");
        var page = console.Page;
        var detail = page.GetByTestId("agent-detail");

        await page.Locator($"[data-agent='{agent.Name}']").ClickAsync();
        await detail.GetByTestId("revoke-token").ClickAsync();
        await Expect(page.Locator($"[data-agent-status='{agent.Name}'] [data-status]")).ToHaveTextAsync("offline");
        using (var refused = await agent.Api.Raw(new HttpRequestMessage(HttpMethod.Get, "/api/agents")))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        await detail.GetByTestId("retire-agent").ClickAsync();
        await Expect(page.Locator($"[data-agent='{agent.Name}']")).ToHaveCountAsync(0);
        await Expect(detail).ToHaveCountAsync(0);
        using var gone = await fixture.Operator.Raw(new HttpRequestMessage(HttpMethod.Get, $"/api/agents/{agent.Name}"));
        gone.StatusCode.ShouldBe(HttpStatusCode.Gone);
    }
}
