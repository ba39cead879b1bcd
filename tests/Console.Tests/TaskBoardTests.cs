using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class TaskBoardTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Tasks_sit_in_their_status_columns_and_move_live_until_a_checkmark_shows_completion()
    {
        var skill = $"skill-{Guid.NewGuid():N}"[..14];
        var creator = await fixture.RegisterAgent("boss");
        var worker = await fixture.RegisterAgent("worker", skill);
        await using var console = await fixture.Open("/console/tasks", "Task board");
        var page = console.Page;

        var first = await creator.Api.Post("/api/tasks", new
        {
            title = $"Analyze {skill}", priority = 1, assign_to = worker.Name, due_date = "2001-01-01T00:00:00Z",
        }, HttpStatusCode.Created);
        var firstId = first["id"]!.GetValue<string>();
        var second = await creator.Api.Post("/api/tasks", new
        {
            title = $"Report {skill}", depends_on = new[] { firstId }, requirements = new { capabilities = new[] { $"{skill}-nobody" } },
        }, HttpStatusCode.Created);
        var secondId = second["id"]!.GetValue<string>();

        var firstCard = page.Locator($"[data-task='{firstId}']");
        await Expect(page.Locator($"[data-column='assigned'] [data-task='{firstId}']")).ToBeVisibleAsync();
        await Expect(firstCard.Locator("[data-due='overdue']")).ToBeVisibleAsync();
        await Expect(firstCard.Locator($"[data-assignee='{worker.Name}']")).ToBeVisibleAsync();
        await Expect(firstCard.Locator("[data-priority='1']")).ToBeVisibleAsync();
        await Expect(page.Locator($"[data-column='blocked'] [data-task='{secondId}'] [data-dependency='{firstId}']")).ToBeVisibleAsync();

        await worker.Api.Put($"/api/tasks/{firstId}", new { status = "in_progress" });
        await Expect(page.Locator($"[data-column='in_progress'] [data-task='{firstId}']")).ToBeVisibleAsync();
        await Expect(firstCard.Locator("[data-completed]")).ToHaveCountAsync(0);

        await worker.Api.Post($"/api/tasks/{firstId}/complete", new { result = new { rows = 42 } });
        await Expect(page.Locator($"[data-column='completed'] [data-task='{firstId}'] [data-completed]")).ToBeVisibleAsync();
        // Its dependency done, the second task leaves "blocked" and waits for a capable agent.
        await Expect(page.Locator($"[data-column='pending'] [data-task='{secondId}']")).ToBeVisibleAsync();
        await console.Screenshot("tasks");
    }

    [Fact]
    public async Task A_task_created_assigned_reassigned_and_cancelled_in_the_console_is_what_REST_returns()
    {
        var skill = $"skill-{Guid.NewGuid():N}"[..14];
        var first = await fixture.RegisterAgent("first", skill);
        var second = await fixture.RegisterAgent("second", skill);
        await using var console = await fixture.Open("/console/tasks", "Task board");
        var page = console.Page;
        var title = $"Console task {skill}";

        await page.GetByTestId("new-task").ClickAsync();
        await page.Locator("#new-task-title").FillAsync(title);
        await page.Locator("#new-task-description").FillAsync("Made by the operator");
        await page.Locator("#new-task-capabilities").FillAsync(skill);
        await page.Locator("#new-task-due").FillAsync("2001-02-03T04:05");
        await Choose(page, "#new-task-priority", "P1");
        await Choose(page, "#new-task-assignee", first.Name);
        await page.GetByTestId("create-task").ClickAsync();

        var detail = page.GetByTestId("task-detail");
        await Expect(detail.GetByTestId("task-assignee")).ToHaveTextAsync(first.Name);
        var created = (await fixture.Operator.Get("/api/tasks?creator=operator&limit=500"))["items"]!.AsArray()
            .Single(task => task!["title"]!.GetValue<string>() == title)!;
        created["assigned_to"]!.GetValue<string>().ShouldBe(first.Name);
        created["description"]!.GetValue<string>().ShouldBe("Made by the operator");
        created["requirements"]!["capabilities"]![0]!.GetValue<string>().ShouldBe(skill);
        created["priority"]!.GetValue<int>().ShouldBe(1);
        created["due_date"]!.GetValue<DateTimeOffset>().ShouldBe(new DateTimeOffset(2001, 2, 3, 4, 5, 0, TimeSpan.Zero));
        var id = created["id"]!.GetValue<string>();
        await Expect(page.Locator($"[data-column='assigned'] [data-task='{id}'] [data-due='overdue']")).ToBeVisibleAsync();
        await console.Screenshot("task-detail");

        await Choose(page, "#assign-agent", second.Name);
        await page.GetByTestId("assign-task").ClickAsync();
        await Expect(detail.GetByTestId("task-assignee")).ToHaveTextAsync(second.Name);
        (await fixture.Operator.Get($"/api/tasks/{id}"))["assigned_to"]!.GetValue<string>().ShouldBe(second.Name);

        await page.GetByTestId("cancel-task").ClickAsync();
        await Expect(page.Locator($"[data-task='{id}']")).ToHaveCountAsync(0);
        (await fixture.Operator.Get($"/api/tasks/{id}"))["status"]!.GetValue<string>().ShouldBe("cancelled");
    }

    /// <summary>
    /// Opens a MudSelect by its input and picks the item with that text, then waits until the list has closed and
    /// the select shows the choice. The list is live (agents registered by other tests appear in it), so an item
    /// can move between being found and being clicked: then the choice is made again.
    /// </summary>
    private static async Task Choose(IPage page, string selectInput, string item)
    {
        var select = page.Locator(selectInput).Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]");
        for (var attempt = 1; ; attempt++)
        {
            await select.ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = item }).ClickAsync();
            await Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
            if ((await select.InnerTextAsync()).Contains(item, StringComparison.Ordinal) || attempt == 3)
            {
                await Expect(select).ToContainTextAsync(item);
                return;
            }
        }
    }
}
