using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.Console.Tests.Components;

/// <summary>The task board's card, rendered on its own (bUnit): what it shows for each state and where a click goes.</summary>
public sealed class TaskCardTests : BunitContext
{
    private static readonly DateTimeOffset Created = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public TaskCardTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void A_completed_task_carries_the_checkmark_and_a_failed_one_does_not()
    {
        var completed = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Completed)));
        var failed = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Failed)));
        var running = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.InProgress)));

        completed.FindAll("[data-completed='true']").Count.ShouldBe(1);
        failed.FindAll("[data-completed]").ShouldBeEmpty();
        failed.Find("svg title").TextContent.ShouldBe("Failed");
        running.FindAll("[data-completed]").ShouldBeEmpty();
    }

    [Fact]
    public void An_overdue_task_is_marked_on_the_card_and_its_due_date()
    {
        var due = new DateTimeOffset(2026, 11, 20, 17, 30, 0, TimeSpan.Zero);

        var overdue = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Assigned, due: due, overdue: true)));
        var onTime = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Assigned, due: due)));

        overdue.Find(".board-card").ClassList.ShouldContain("overdue");
        overdue.Find("[data-due]").TextContent.Trim().ShouldBe("overdue · due 2026-11-20 17:30 UTC");
        onTime.Find(".board-card").ClassList.ShouldNotContain("overdue");
        onTime.Find("[data-due='on-time']").TextContent.Trim().ShouldBe("due 2026-11-20 17:30 UTC");
    }

    [Fact]
    public void A_click_on_a_dependency_opens_that_task_and_not_the_card()
    {
        var dependency = Guid.NewGuid();
        var item = Task(AgentTaskStatus.Blocked, dependsOn: [dependency]);
        var opened = new List<Guid>();
        var card = Render<TaskCard>(parameters => parameters
            .Add(c => c.Item, item)
            .Add(c => c.OnOpen, (Guid id) => opened.Add(id)));

        card.Find($"[data-dependency='{dependency}']").Click();
        card.Find(".board-card").Click();

        opened.ShouldBe([dependency, item.Id]);
    }

    [Fact]
    public void The_assignee_is_shown_only_when_there_is_one()
    {
        var assigned = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Assigned) with { AssignedTo = "worker-7" }));
        var pending = Render<TaskCard>(card => card.Add(c => c.Item, Task(AgentTaskStatus.Pending) with { AssignedTo = null }));

        assigned.Find("[data-assignee]").TextContent.ShouldContain("worker-7");
        pending.FindAll("[data-assignee]").ShouldBeEmpty();
    }

    private static TaskInfo Task(AgentTaskStatus status, DateTimeOffset? due = null, bool overdue = false, IReadOnlyList<Guid>? dependsOn = null) =>
        new(Guid.NewGuid(), "Write the weekly report", "", status, 2, "boss", "worker-1", Created, Created, due,
            status == AgentTaskStatus.Completed ? Created.AddHours(1) : null, RawJson.EmptyObject, null, [], dependsOn ?? [], 0, null, null, overdue);
}
