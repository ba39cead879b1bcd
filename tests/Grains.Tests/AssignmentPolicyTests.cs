using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>The assignment rule on its own, without a cluster: each filter, the order, and each tie.</summary>
public sealed class AssignmentPolicyTests
{
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AgentListing Agent(string name, int active = 0, AgentStatus status = AgentStatus.Online, params string[] capabilities) =>
        new(Guid.NewGuid(), name, "worker", status, capabilities, RawJson.EmptyObject, Created, Created, active);

    private static AgentInfo Info(string name, AgentStatus status, params string[] capabilities) =>
        new(Guid.NewGuid(), name, "worker", status, capabilities, RawJson.EmptyObject, Created, Created);

    private static List<string> Names(IEnumerable<AgentListing> agents) => agents.Select(agent => agent.Name).ToList();

    [Fact]
    public void Only_online_agents_are_ranked_busy_and_offline_ones_are_not()
    {
        var ranked = AssignmentPolicy.Rank(
            [Agent("busy", status: AgentStatus.Busy), Agent("away", status: AgentStatus.Offline), Agent("here")], [], maxActive: 5);

        Names(ranked).ShouldBe(["here"]);
    }

    [Fact]
    public void Only_agents_with_every_required_capability_are_ranked()
    {
        var ranked = AssignmentPolicy.Rank(
            [Agent("both", 0, AgentStatus.Online, "python", "sql"), Agent("one", 0, AgentStatus.Online, "python"), Agent("none")],
            ["python", "sql"], maxActive: 5);

        Names(ranked).ShouldBe(["both"]);
    }

    [Fact]
    public void Capabilities_match_exactly_and_case_sensitively()
    {
        AssignmentPolicy.IsCapable(["Python"], ["python"]).ShouldBeFalse();
        AssignmentPolicy.IsCapable([], []).ShouldBeTrue();
    }

    [Fact]
    public void Agents_at_their_limit_are_left_out()
    {
        var ranked = AssignmentPolicy.Rank([Agent("full", 2), Agent("room", 1)], [], maxActive: 2);

        Names(ranked).ShouldBe(["room"]);
        AssignmentPolicy.HasFreeSlot(1, 2).ShouldBeTrue();
        AssignmentPolicy.HasFreeSlot(2, 2).ShouldBeFalse();
    }

    [Fact]
    public void The_least_loaded_comes_first()
    {
        var ranked = AssignmentPolicy.Rank([Agent("a", 3), Agent("b", 0), Agent("c", 1)], [], maxActive: 10);

        Names(ranked).ShouldBe(["b", "c", "a"]);
    }

    [Fact]
    public void Equal_loads_are_ordered_by_name_case_insensitively_and_ordinally_whatever_order_they_came_in()
    {
        // Ordinal on the lower-cased key: '-' (0x2D) < '.' (0x2E) < digits < '_' (0x5F) < letters, unlike a culture's order.
        var ranked = AssignmentPolicy.Rank([Agent("b"), Agent("a_x"), Agent("A"), Agent("a.x"), Agent("a-x"), Agent("a1")], [], maxActive: 1);

        Names(ranked).ShouldBe(["A", "a-x", "a.x", "a1", "a_x", "b"]);
    }

    [Fact]
    public void Load_wins_over_name()
    {
        var ranked = AssignmentPolicy.Rank([Agent("a", 1), Agent("z", 0)], [], maxActive: 5);

        Names(ranked).ShouldBe(["z", "a"]);
    }

    [Fact]
    public void Nobody_fits_gives_an_empty_ranking()
    {
        AssignmentPolicy.Rank([Agent("busy", status: AgentStatus.Busy)], ["python"], maxActive: 5).ShouldBeEmpty();
        AssignmentPolicy.Rank([], [], maxActive: 5).ShouldBeEmpty();
    }

    [Fact]
    public void An_offer_needs_an_online_capable_agent()
    {
        AssignmentPolicy.MayBeOffered(AgentStatus.Online, ["python"], ["python"]).ShouldBeTrue();
        AssignmentPolicy.MayBeOffered(AgentStatus.Busy, ["python"], ["python"]).ShouldBeFalse();
        AssignmentPolicy.MayBeOffered(AgentStatus.Offline, ["python"], ["python"]).ShouldBeFalse();
        AssignmentPolicy.MayBeOffered(AgentStatus.Online, [], ["python"]).ShouldBeFalse();
    }

    [Fact]
    public void A_named_agent_may_be_busy_but_not_offline_or_lacking_a_capability()
    {
        AssignmentPolicy.RefusalForNamed(Info("worker", AgentStatus.Busy, "python"), ["python"]).ShouldBeNull();
        AssignmentPolicy.RefusalForNamed(Info("worker", AgentStatus.Online, "python"), []).ShouldBeNull();
        AssignmentPolicy.RefusalForNamed(Info("worker", AgentStatus.Offline, "python"), ["python"]).ShouldBe(
            "'worker' is offline (the operator may force the assignment).");
        AssignmentPolicy.RefusalForNamed(Info("worker", AgentStatus.Online, "python"), ["python", "sql"]).ShouldBe(
            "'worker' lacks required capabilities: sql.");
    }

    [Fact]
    public void A_missing_capability_is_named_before_being_offline()
    {
        AssignmentPolicy.RefusalForNamed(Info("worker", AgentStatus.Offline), ["sql"])!.ShouldContain("lacks required capabilities");
    }
}
