using System.Net;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>The console's queues of tasks waiting on a person: the operator answers, approves and sends back.</summary>
public sealed class WaitingPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task The_operator_answers_a_question_approves_one_task_and_sends_another_back_and_each_leaves_its_queue()
    {
        var creator = await fixture.RegisterAgent("boss");
        var worker = await fixture.RegisterAgent("worker");
        var asking = await Create(creator, $"Asking {worker.Name}", worker.Name, requiresApproval: false);
        var approving = await Create(creator, $"Approve {worker.Name}", worker.Name, requiresApproval: true);
        var returning = await Create(creator, $"Return {worker.Name}", worker.Name, requiresApproval: true);
        (await worker.Api.Post($"/api/tasks/{approving}/complete", new { result = new { pages = 3 } }))["status"]!.GetValue<string>().ShouldBe("awaiting_approval");
        await worker.Api.Post($"/api/tasks/{returning}/complete", new { result = new { pages = 1 } });

        await using (var board = await fixture.Open("/console/tasks", "Task board"))
        {
            await Expect(board.Page.Locator($"[data-column='awaiting_approval'] [data-task='{approving}']")).ToBeVisibleAsync();
            await Expect(board.Page.GetByTestId("waiting-link")).ToBeVisibleAsync();
        }

        await using var console = await fixture.Open("/console/waiting", "Waiting on you");
        var page = console.Page;
        var approvals = page.GetByTestId("approval-queue");
        await Expect(approvals.Locator($"[data-queue-task='{approving}'] [data-testid='result']")).ToContainTextAsync("3");
        await Expect(approvals.Locator($"[data-queue-task='{returning}']")).ToBeVisibleAsync();

        // A question asked while the page is open arrives live.
        await worker.Api.Post($"/api/tasks/{asking}/request-input", new { question = "Which quarter?" });
        var question = page.GetByTestId("input-queue").Locator($"[data-queue-task='{asking}']");
        await Expect(question.GetByTestId("question")).ToContainTextAsync("Which quarter?");
        await console.Screenshot("waiting");

        await page.Locator($"#answer-{asking}").FillAsync("Q3");
        await question.GetByTestId("answer").ClickAsync();
        await Expect(question).ToHaveCountAsync(0);
        var answered = await fixture.Operator.Get($"/api/tasks/{asking}");
        answered["status"]!.GetValue<string>().ShouldBe("in_progress");
        (answered["input_request"]!["answer"]!.GetValue<string>(), answered["input_request"]!["answered_by"]!.GetValue<string>())
            .ShouldBe(("Q3", "operator"));

        await approvals.Locator($"[data-queue-task='{approving}'] [data-testid='approve']").ClickAsync();
        await Expect(approvals.Locator($"[data-queue-task='{approving}']")).ToHaveCountAsync(0);
        var approved = await fixture.Operator.Get($"/api/tasks/{approving}");
        (approved["status"]!.GetValue<string>(), approved["review"]!["decision"]!.GetValue<string>()).ShouldBe(("completed", "approved"));

        var sendBack = approvals.Locator($"[data-queue-task='{returning}'] [data-testid='send-back']");
        await Expect(sendBack).ToBeDisabledAsync();
        await page.Locator($"#comment-{returning}").FillAsync("Needs more pages.");
        await sendBack.ClickAsync();
        await Expect(approvals.Locator($"[data-queue-task='{returning}']")).ToHaveCountAsync(0);
        var returned = await fixture.Operator.Get($"/api/tasks/{returning}");
        (returned["status"]!.GetValue<string>(), returned["review"]!["comment"]!.GetValue<string>()).ShouldBe(("in_progress", "Needs more pages."));
        returned["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);
    }

    private static async Task<string> Create(TestAgent creator, string title, string assignee, bool requiresApproval)
    {
        JsonNode created = await creator.Api.Post("/api/tasks", new { title, assign_to = assignee, requires_approval = requiresApproval }, HttpStatusCode.Created);
        return created["id"]!.GetValue<string>();
    }
}
