using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>The status machine's table on its own: which moves exist, who makes them, which need their own call.</summary>
public sealed class TaskTransitionsTests
{
    private static readonly TaskRoles Assignee = new(IsOperator: false, IsCreator: false, IsAssignee: true, WasAssignee: true);
    private static readonly TaskRoles Creator = new(IsOperator: false, IsCreator: true, IsAssignee: false, WasAssignee: false);
    private static readonly TaskRoles Operator = new(IsOperator: true, IsCreator: false, IsAssignee: false, WasAssignee: false);
    private static readonly TaskRoles Stranger = new(IsOperator: false, IsCreator: false, IsAssignee: false, WasAssignee: false);

    [Theory]
    [InlineData(AgentTaskStatus.Assigned, AgentTaskStatus.InputRequired, "assignee")]
    [InlineData(AgentTaskStatus.InProgress, AgentTaskStatus.InputRequired, "assignee")]
    [InlineData(AgentTaskStatus.InProgress, AgentTaskStatus.AwaitingApproval, "assignee")]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.InProgress, "creator operator")]
    [InlineData(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.InProgress, "creator operator")]
    [InlineData(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Completed, "creator operator")]
    [InlineData(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Cancelled, "creator operator")]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.Cancelled, "creator operator")]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.Failed, "assignee operator")]
    [InlineData(AgentTaskStatus.InProgress, AgentTaskStatus.Completed, "assignee operator")]
    public void A_move_is_made_only_by_its_parties(AgentTaskStatus from, AgentTaskStatus to, string parties)
    {
        var allowed = parties.Split(' ');
        foreach (var (name, roles) in new[] { ("assignee", Assignee), ("creator", Creator), ("operator", Operator), ("stranger", Stranger) })
        {
            if (allowed.Contains(name))
            {
                TaskTransitions.Check(Guid.NewGuid(), from, to, roles);
            }
            else
            {
                Should.Throw<AgentChannelException>(() => TaskTransitions.Check(Guid.NewGuid(), from, to, roles))
                    .Code.ShouldBe(ErrorKind.Forbidden, $"{name}: {from} → {to}");
            }
        }
    }

    [Theory]
    [InlineData(AgentTaskStatus.Pending, AgentTaskStatus.InputRequired)]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.InputRequired)]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.Completed)]
    [InlineData(AgentTaskStatus.InputRequired, AgentTaskStatus.AwaitingApproval)]
    [InlineData(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Failed)]
    [InlineData(AgentTaskStatus.Completed, AgentTaskStatus.InProgress)]
    [InlineData(AgentTaskStatus.Cancelled, AgentTaskStatus.Cancelled)]
    public void A_move_that_does_not_exist_is_a_conflict_for_everyone(AgentTaskStatus from, AgentTaskStatus to)
    {
        TaskTransitions.WhoMay(from, to).ShouldBe(TaskParty.None);
        Should.Throw<AgentChannelException>(() => TaskTransitions.Check(Guid.NewGuid(), from, to, Operator)).Code.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public void Moves_carrying_a_question_an_answer_or_a_decision_need_their_own_call_and_approval_is_skipped_only_by_the_operator()
    {
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.InputRequired).ShouldBe("request_input");
        TaskTransitions.OwnCall(AgentTaskStatus.InputRequired, AgentTaskStatus.InProgress).ShouldBe("provide_input");
        TaskTransitions.OwnCall(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Completed).ShouldBe("approve");
        TaskTransitions.OwnCall(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.InProgress).ShouldBe("send_back");
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.Completed).ShouldBeNull();
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.AwaitingApproval).ShouldBeNull();
        TaskTransitions.CompletionOf(requiresApproval: true, Assignee).ShouldBe(AgentTaskStatus.AwaitingApproval);
        TaskTransitions.CompletionOf(requiresApproval: true, Operator).ShouldBe(AgentTaskStatus.Completed);
        TaskTransitions.CompletionOf(requiresApproval: false, Assignee).ShouldBe(AgentTaskStatus.Completed);
        TaskTransitions.HeldSqlList.ShouldBe("'assigned', 'in_progress', 'input_required', 'awaiting_approval'");
    }
}
