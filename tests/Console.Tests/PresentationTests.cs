using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.WebFrontend.Components.Account;
using Orleans.AgentChannel.WebFrontend.Components.Services;
using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>The console's small pure helpers, without a browser.</summary>
public sealed class PresentationTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.4, "just now")]
    [InlineData(12, "12 s ago")]
    [InlineData(185, "3 min ago")]
    [InlineData(7300, "2 h ago")]
    [InlineData(-180, "in 3 min")]
    [InlineData(3 * 86400 + 5, "3 d ago")]
    public void Relative_times_read_as_people_say_them(double secondsAgo, string expected) =>
        Ago.Format(Now.AddSeconds(-secondsAgo), Now).ShouldBe(expected);

    [Fact]
    public void A_line_diff_keeps_common_lines_and_marks_what_changed()
    {
        var diff = LineDiff.Compare("{\n  \"a\": 1,\n  \"b\": 2\n}", "{\n  \"a\": 1,\n  \"b\": 3,\n  \"c\": 4\n}");

        diff.ShouldBe(
        [
            new DiffLine(DiffChange.Same, "{"),
            new DiffLine(DiffChange.Same, "  \"a\": 1,"),
            new DiffLine(DiffChange.Removed, "  \"b\": 2"),
            new DiffLine(DiffChange.Added, "  \"b\": 3,"),
            new DiffLine(DiffChange.Added, "  \"c\": 4"),
            new DiffLine(DiffChange.Same, "}"),
        ]);
        LineDiff.Compare("same", "same").ShouldBe([new DiffLine(DiffChange.Same, "same")]);
    }

    [Fact]
    public void Pretty_JSON_is_indented_and_keeps_text_as_written()
    {
        JsonText.Pretty(new RawJson("""{"name":"Zoë","n":[1,2]}""")).ShouldBe("{\n  \"name\": \"Zoë\",\n  \"n\": [\n    1,\n    2\n  ]\n}");
    }

    [Fact]
    public void Keys_form_a_tree_of_folders_by_slash()
    {
        var tree = KeyTree.Build(["team/plans/q3", "team/plans/q4", "team", "notes"], new HashSet<string>(), expandAll: true);

        tree.Select(item => item.Text).ShouldBe(["notes", "team", "team/"]);
        var team = tree.Single(item => item.Value == "team/");
        var plans = team.Children!.Single();
        plans.Value.ShouldBe("team/plans/");
        plans.Children!.Select(item => item.Value).ShouldBe(["team/plans/q3", "team/plans/q4"]);
        KeyTree.IsFolder("team/").ShouldBeTrue();
        KeyTree.IsFolder("team").ShouldBeFalse();
    }

    [Fact]
    public void A_shown_key_tree_keeps_its_items_while_the_set_of_keys_stays_and_keeps_folders_open_when_it_changes()
    {
        var tree = new ShownKeyTree();
        tree.Show(["team/plans/q3", "notes"]);
        var shown = tree.Items;

        tree.Show(["notes", "team/plans/q3"]);
        tree.Items.ShouldBeSameAs(shown, "the same keys in another order: the elements a click may be landing on stay");

        tree.Show(["notes", "team/plans/q3", "team/plans/q4"]);
        tree.Items.ShouldNotBeSameAs(shown);
        var plans = tree.Items.Single(item => item.Value == "team/").Children!.Single();
        plans.Children!.Select(item => item.Value).ShouldBe(["team/plans/q3", "team/plans/q4"]);
        plans.Expanded.ShouldBeTrue();
    }

    [Theory]
    [InlineData(null, "/console")]
    [InlineData("/console", "/console")]
    [InlineData("/console/tasks?task=1", "/console/tasks?task=1")]
    [InlineData("https://elsewhere.example/console", "/console")]
    [InlineData("//elsewhere.example/console", "/console")]
    [InlineData("/console\\..\\evil", "/console")]
    [InlineData("/consolex", "/console")]
    [InlineData("/api/agents", "/console")]
    public void After_sign_in_only_console_paths_are_followed(string? returnUrl, string expected) =>
        OperatorSignIn.SafeReturnUrl(returnUrl).ShouldBe(expected);

    [Fact]
    public void A_live_message_matches_the_filters_the_list_was_loaded_with()
    {
        var direct = Message(sender: "Alice", recipients: ["bob"], channel: null);
        var inChannel = Message(sender: "carol", recipients: [], channel: "research");

        new MessageFilter(Agent: "alice").Matches(direct).ShouldBeTrue();
        new MessageFilter(Agent: "BOB").Matches(direct).ShouldBeTrue();
        new MessageFilter(Agent: "carol").Matches(direct).ShouldBeFalse();
        new MessageFilter(Channel: "Research").Matches(inChannel).ShouldBeTrue();
        new MessageFilter(Channel: "research").Matches(direct).ShouldBeFalse();
        new MessageFilter(TaskId: Guid.NewGuid()).Matches(direct).ShouldBeFalse();
        new MessageFilter().Matches(inChannel).ShouldBeTrue();
    }

    private static MessageInfo Message(string sender, IReadOnlyList<string> recipients, string? channel) =>
        new(Guid.NewGuid(), 1, sender, recipients, channel, null, "hi", MessageTypes.Default, RawJson.EmptyObject, Now);
}
