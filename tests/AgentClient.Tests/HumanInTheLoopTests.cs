using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>A person in the loop between two C# agents, driven only by their handlers.</summary>
public sealed class HumanInTheLoopTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_worker_asks_the_creator_answers_the_worker_hands_in_is_sent_back_once_and_approved()
    {
        await using var creator = await Server.Connect(TestServer.Unique("hitl-boss"));
        await using var worker = await Server.Connect(TestServer.Unique("hitl-work"));
        // Busy: the engine hands them none of the other tests' tasks; assignments by name still reach them.
        await creator.HeartbeatAsync(AgentStatus.Busy, Cancellation);
        await worker.HeartbeatAsync(AgentStatus.Busy, Cancellation);
        var approved = new TaskCompletionSource<TaskInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answers = new List<string?>();
        var comments = new List<string?>();

        worker.OnTaskAssigned(async (task, token) => await worker.RequestInputAsync(task.Id, "Which format?", token));
        creator.OnTaskInputRequired(async (task, token) => await creator.ProvideInputAsync(task.Id, $"answer to {task.InputRequest!.Question}", token));
        worker.OnTaskInputProvided(async (task, token) =>
        {
            answers.Add(task.InputRequest!.Answer);
            (await worker.CompleteTaskAsync(task.Id, new { format = task.InputRequest.Answer, draft = 1 }, token))
                .Status.ShouldBe(AgentTaskStatus.AwaitingApproval);
        });
        creator.OnTaskAwaitingApproval(async (task, token) =>
        {
            if (task.Review is null)
            {
                await creator.SendBackTaskAsync(task.Id, "Once more.", token);
            }
            else
            {
                await creator.ApproveTaskAsync(task.Id, "Good.", token);
            }
        });
        worker.OnTaskSentBack(async (task, token) =>
        {
            comments.Add(task.Review!.Comment);
            // Still held under the same assignment: the client fences the second hand-in by itself.
            worker.HeldAssignment(task.Id).ShouldBe(task.AssignmentId);
            await worker.CompleteTaskAsync(task.Id, new { draft = 2 }, token);
        });
        worker.OnTaskApproved(task =>
        {
            approved.TrySetResult(task);
            return Task.CompletedTask;
        });
        creator.Start();
        worker.Start();

        var created = await creator.CreateTaskAsync(new NewTask("decide with me", AssignTo: worker.Name, RequiresApproval: true), Cancellation);

        var done = await approved.Task.WaitAsync(Received.Deadline, Cancellation);
        done.Id.ShouldBe(created.Id);
        done.Status.ShouldBe(AgentTaskStatus.Completed);
        done.Review!.Decision.ShouldBe(ReviewDecision.Approved);
        done.Result!.Value.Text.ShouldContain("\"draft\":2");
        answers.ShouldBe(["answer to Which format?"]);
        comments.ShouldBe(["Once more."]);
        worker.HeldAssignment(created.Id).ShouldBeNull();
    }
}
