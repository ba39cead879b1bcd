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

    /// <summary>Every move of the machine and who makes it; any pair of statuses not listed here is no move at all.</summary>
    private static readonly Dictionary<(AgentTaskStatus From, AgentTaskStatus To), TaskParty> Machine = new()
    {
        [(AgentTaskStatus.Pending, AgentTaskStatus.Blocked)] = TaskParty.Engine,
        [(AgentTaskStatus.Blocked, AgentTaskStatus.Pending)] = TaskParty.Engine,
        [(AgentTaskStatus.Pending, AgentTaskStatus.Failed)] = TaskParty.Engine,
        [(AgentTaskStatus.Blocked, AgentTaskStatus.Failed)] = TaskParty.Engine,
        [(AgentTaskStatus.Pending, AgentTaskStatus.Assigned)] = TaskParty.Engine | TaskParty.Claimant | TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.Assigned)] = TaskParty.Creator | TaskParty.Operator | TaskParty.Assignee,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.Assigned)] = TaskParty.Creator | TaskParty.Operator | TaskParty.Assignee,
        [(AgentTaskStatus.InputRequired, AgentTaskStatus.Assigned)] = TaskParty.Creator | TaskParty.Operator | TaskParty.Assignee,
        [(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Assigned)] = TaskParty.Creator | TaskParty.Operator | TaskParty.Assignee,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.Pending)] = TaskParty.Engine,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.Pending)] = TaskParty.Engine,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.InProgress)] = TaskParty.Assignee | TaskParty.Operator,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.Completed)] = TaskParty.Assignee | TaskParty.Operator,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.Completed)] = TaskParty.Assignee | TaskParty.Operator,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.Failed)] = TaskParty.Assignee | TaskParty.Operator | TaskParty.Engine,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.Failed)] = TaskParty.Assignee | TaskParty.Operator | TaskParty.Engine,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.InputRequired)] = TaskParty.Assignee,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.InputRequired)] = TaskParty.Assignee,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.AwaitingApproval)] = TaskParty.Assignee,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.AwaitingApproval)] = TaskParty.Assignee,
        [(AgentTaskStatus.InputRequired, AgentTaskStatus.Failed)] = TaskParty.Assignee | TaskParty.Operator,
        [(AgentTaskStatus.InputRequired, AgentTaskStatus.InProgress)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.InProgress)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Completed)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.Pending, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.Blocked, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.Assigned, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.InProgress, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.InputRequired, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
        [(AgentTaskStatus.AwaitingApproval, AgentTaskStatus.Cancelled)] = TaskParty.Creator | TaskParty.Operator,
    };

    public static TheoryData<AgentTaskStatus, AgentTaskStatus> EveryPair()
    {
        var pairs = new TheoryData<AgentTaskStatus, AgentTaskStatus>();
        foreach (var from in Enum.GetValues<AgentTaskStatus>())
        {
            foreach (var to in Enum.GetValues<AgentTaskStatus>())
            {
                pairs.Add(from, to);
            }
        }
        return pairs;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void Every_pair_of_statuses_is_the_move_the_machine_lists_or_none(AgentTaskStatus from, AgentTaskStatus to)
    {
        var expected = Machine.GetValueOrDefault((from, to), TaskParty.None);
        TaskTransitions.WhoMay(from, to).ShouldBe(expected);

        // A caller's status update: a move only the channel makes, or none, is a conflict for everyone; a move that
        // needs its own call is a conflict pointing there; otherwise exactly the listed parties pass.
        foreach (var (name, party, roles) in new[]
                 {
                     ("assignee", TaskParty.Assignee, Assignee), ("creator", TaskParty.Creator, Creator),
                     ("operator", TaskParty.Operator, Operator), ("stranger", TaskParty.None, Stranger),
                 })
        {
            var refusal = Record.Exception(() => TaskTransitions.Check(Guid.NewGuid(), from, to, roles)) as AgentChannelException;
            if ((expected & ~TaskParty.Engine) == TaskParty.None)
            {
                refusal.ShouldNotBeNull($"{name}: {from} → {to}").Code.ShouldBe(ErrorKind.Conflict);
            }
            else if (party != TaskParty.None && expected.HasFlag(party))
            {
                refusal.ShouldBeNull($"{name}: {from} → {to}");
            }
            else
            {
                refusal.ShouldNotBeNull($"{name}: {from} → {to}").Code.ShouldBe(ErrorKind.Forbidden);
            }
        }

        // The grain's own moves (the engine's, a claim) are guarded by the same table.
        foreach (var party in new[] { TaskParty.Engine, TaskParty.Claimant })
        {
            if (from == to || expected.HasFlag(party))
            {
                TaskTransitions.Require(from, to, party);
            }
            else
            {
                Should.Throw<InvalidOperationException>(() => TaskTransitions.Require(from, to, party));
            }
        }
    }

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
        TaskTransitions.OwnCall(AgentTaskStatus.Pending, AgentTaskStatus.Assigned).ShouldBe("assign (or claim)");
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.Assigned).ShouldBe("assign (or claim)");
        TaskTransitions.OwnCall(AgentTaskStatus.Blocked, AgentTaskStatus.Assigned).ShouldBeNull();
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.Completed).ShouldBeNull();
        TaskTransitions.OwnCall(AgentTaskStatus.InProgress, AgentTaskStatus.AwaitingApproval).ShouldBeNull();
        TaskTransitions.CompletionOf(requiresApproval: true, Assignee).ShouldBe(AgentTaskStatus.AwaitingApproval);
        TaskTransitions.CompletionOf(requiresApproval: true, Operator).ShouldBe(AgentTaskStatus.Completed);
        TaskTransitions.CompletionOf(requiresApproval: false, Assignee).ShouldBe(AgentTaskStatus.Completed);
        TaskTransitions.HeldSqlList.ShouldBe("'assigned', 'in_progress', 'input_required', 'awaiting_approval'");
    }
}
