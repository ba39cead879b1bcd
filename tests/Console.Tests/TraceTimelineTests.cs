using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>The console's host traces (ConsoleFixture turns it on): a message's and a task's recent trace as timelines.</summary>
public sealed class TraceTimelineTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_messages_trace_shows_as_a_timeline_from_its_request_through_the_commit_to_the_recipients_inbox()
    {
        var talker = await fixture.RegisterAgent("tracer");
        var listener = await fixture.RegisterAgent("traced");
        var content = $"Traced {Guid.NewGuid():N}";
        var sent = await talker.Api.Post("/api/messages", new { content, recipients = new[] { listener.Name } }, HttpStatusCode.Created);

        await using var console = await fixture.Open("/console/messages", "Messages");
        var card = console.Page.Locator($"[data-message='{sent["id"]!.GetValue<string>()}']");
        await Expect(card.GetByText(content)).ToBeVisibleAsync();
        await card.GetByTestId("show-trace").ClickAsync();

        var timeline = card.GetByTestId("trace-timeline");
        await Expect(timeline.Locator("[data-trace]")).ToHaveCountAsync(1);
        foreach (var span in new[] { "messages store", "sqlite commit", "inbox deliver", "IMessagesGrain/Send", "IAgentGrain/Deliver" })
        {
            await Expect(timeline.Locator($"[data-span='{span}']").First).ToBeVisibleAsync();
        }
        await Expect(timeline.Locator("[data-span^='rest POST /api/messages']")).ToHaveCountAsync(1);
        await console.Screenshot("message-trace");
    }

    [Fact]
    public async Task A_tasks_detail_shows_its_trace_from_create_through_assignment_to_completion()
    {
        var creator = await fixture.RegisterAgent("trace-creator");
        var worker = await fixture.RegisterAgent("trace-worker");
        var task = await creator.Api.Post("/api/tasks", new { title = $"Traced {Guid.NewGuid():N}", assign_to = worker.Name }, HttpStatusCode.Created);
        var taskId = task["id"]!.GetValue<string>();
        await worker.Api.Post($"/api/tasks/{taskId}/complete", new { result = new { ok = true } });

        await using var console = await fixture.Open($"/console/tasks?task={taskId}", "Task board");
        var timeline = console.Page.GetByTestId("task-detail").GetByTestId("trace-timeline");
        // The create (with its assignment) is one trace, the completion another linked to it.
        await Expect(timeline.Locator("[data-trace]")).ToHaveCountAsync(2);
        await Expect(timeline.Locator("[data-span='task assigned']")).ToHaveCountAsync(1);
        await Expect(timeline.Locator("[data-span='task completed']")).ToHaveCountAsync(1);
        // Orleans' span of the call on both sides: the caller's and the grain's.
        await Expect(timeline.Locator("[data-span='ITaskGrain/Complete']")).ToHaveCountAsync(2);
    }
}
