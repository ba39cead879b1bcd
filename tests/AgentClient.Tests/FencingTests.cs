using System.Net;
using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>The C# client fences its own updates and completions with the assignment it got the task under.</summary>
public sealed class FencingTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_handler_that_finishes_after_its_task_was_taken_and_given_back_is_refused_and_the_new_assignment_completes()
    {
        await using var worker = await Server.Connect(TestServer.Unique("fence-cs"));
        var other = TestServer.Unique("fence-other");
        await using var _ = (await Server.ConnectWebSocket(other)).Socket;
        // Busy: the engine hands it none of the other tests' tasks; the operator's assignments still reach it.
        await worker.HeartbeatAsync(AgentStatus.Busy, Cancellation);
        var working = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcomes = Channel.CreateUnbounded<(Guid? Assignment, Exception? Refusal, TaskInfo? Completed)>();
        worker.OnTaskAssigned(async (task, token) =>
        {
            // Slow work: the handler ends after the operator took the task away and gave it back.
            working.TrySetResult();
            await finish.Task.WaitAsync(token);
            try
            {
                var completed = await worker.CompleteTaskAsync(task.Id, new { By = task.AssignmentId }, token);
                outcomes.Writer.TryWrite((task.AssignmentId, null, completed));
            }
            catch (ConflictException refusal)
            {
                outcomes.Writer.TryWrite((task.AssignmentId, refusal, null));
            }
        });
        var received = Received.By(worker);
        worker.Start();
        using var http = Server.Operator();

        var id = (await http.Post("/api/tasks", new { title = "slow work", assign_to = worker.Name })).Json["id"]!.GetValue<Guid>();
        await working.Task.WaitAsync(Received.Deadline, Cancellation);
        var first = worker.HeldAssignment(id).ShouldNotBeNull();
        (await http.Post($"/api/tasks/{id}/assign", new { agent = other })).Status.ShouldBe(HttpStatusCode.OK);
        var back = await http.Post($"/api/tasks/{id}/assign", new { agent = worker.Name });
        var second = back.Json["assignment_id"]!.GetValue<Guid>();
        second.ShouldNotBe(first);
        finish.SetResult();

        // The old attempt: the worker is the task's assignee again, but under another assignment.
        var stale = await Next(outcomes);
        stale.Assignment.ShouldBe(first);
        var refusal = stale.Refusal.ShouldBeOfType<LeaseLostException>();
        refusal.Code.ShouldBe(ErrorKind.LeaseLost);
        refusal.WireCode.ShouldBe("lease_lost");
        refusal.Field.ShouldBe("assignment_id");
        var lost = await received.Next<TaskLeaseLostEvent>(e => e.LeaseLost.TaskId == id);
        lost.LeaseLost.AssignmentId.ShouldBe(first);
        lost.LeaseLost.Reason.ShouldBe(LeaseLostReasons.Reassigned);
        // The new one, handled after the loss in inbox order, completes.
        var fresh = await Next(outcomes);
        fresh.Assignment.ShouldBe(second);
        fresh.Completed!.Status.ShouldBe(AgentTaskStatus.Completed);
        fresh.Completed.Result!.Value.Text.ShouldBe($$"""{"by":"{{second}}"}""");
        worker.HeldAssignment(id).ShouldBeNull();
        var stored = (await http.Get($"/api/tasks/{id}")).Json;
        stored["assignments"]!.AsArray().Select(a => a!["status"]!.GetValue<string>()).ShouldBe(["reassigned", "reassigned", "completed"]);
    }

    [Fact]
    public async Task Progress_reports_carry_the_claimed_assignment_until_the_client_hears_it_got_the_task_again()
    {
        var capability = TestServer.Unique("fence-cap");
        await using var worker = await Server.Connect(TestServer.Unique("fence-claim"), capability);
        await worker.HeartbeatAsync(AgentStatus.Busy, Cancellation);
        using var http = Server.Operator();
        var other = TestServer.Unique("fence-away");
        (await Server.Host.Client().Post("/api/agents/register", new { name = other, type = "llm" })).Status.ShouldBe(HttpStatusCode.Created);
        var id = (await http.Post("/api/tasks", new { title = "claimed", requirements = new { capabilities = new[] { capability } } }))
            .Json["id"]!.GetValue<Guid>();
        var claimed = (await worker.ClaimTaskAsync(Cancellation)).ShouldNotBeNull();
        claimed.Id.ShouldBe(id);
        worker.HeldAssignment(id).ShouldBe(claimed.AssignmentId);
        (await worker.UpdateTaskAsync(id, new TaskUpdate(Status: AgentTaskStatus.InProgress), Cancellation)).Status.ShouldBe(AgentTaskStatus.InProgress);

        (await http.Post($"/api/tasks/{id}/assign", new { agent = other })).Status.ShouldBe(HttpStatusCode.OK);
        var again = (await http.Post($"/api/tasks/{id}/assign", new { agent = worker.Name })).Json["assignment_id"]!.GetValue<Guid>();

        // Not delivered yet (the client has not started): it still reports under the claim, and is refused, again on a retry.
        await Should.ThrowAsync<LeaseLostException>(() => worker.UpdateTaskAsync(id, new TaskUpdate(Result: Orleans.AgentChannel.Json.RawJson.Parse("1")), Cancellation));
        await Should.ThrowAsync<LeaseLostException>(() => worker.CompleteTaskAsync(id, "late", Cancellation));
        (await http.Get($"/api/tasks/{id}")).Json["result"].ShouldBeNull();

        var received = Received.By(worker);
        worker.Start();
        await received.Next<TaskAssignedEvent>(e => e.Task.AssignmentId == again);
        worker.HeldAssignment(id).ShouldBe(again);
        (await worker.UpdateTaskAsync(id, new TaskUpdate(Status: AgentTaskStatus.Failed), Cancellation)).Status.ShouldBe(AgentTaskStatus.Failed);
        worker.HeldAssignment(id).ShouldBeNull();
    }

    private static async Task<T> Next<T>(Channel<T> channel)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        deadline.CancelAfter(Received.Deadline);
        return await channel.Reader.ReadAsync(deadline.Token);
    }
}
