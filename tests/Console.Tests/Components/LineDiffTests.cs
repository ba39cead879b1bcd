using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.Console.Tests.Components;

/// <summary>The memory inspector's diff between two versions of a JSON value.</summary>
public sealed class LineDiffTests
{
    [Fact]
    public void A_changed_line_in_the_middle_shows_as_removed_then_added_between_unchanged_lines()
    {
        var before = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}";
        var after = "{\n  \"a\": 1,\n  \"b\": 20,\n  \"c\": 3\n}";

        var lines = LineDiff.Compare(before, after);

        lines.Select(line => (line.Change, line.Text)).ShouldBe(
        [
            (DiffChange.Same, "{"),
            (DiffChange.Same, "  \"a\": 1,"),
            (DiffChange.Removed, "  \"b\": 2,"),
            (DiffChange.Added, "  \"b\": 20,"),
            (DiffChange.Same, "  \"c\": 3"),
            (DiffChange.Same, "}"),
        ]);
    }

    [Fact]
    public void Added_and_removed_lines_keep_the_common_ones_in_order()
    {
        var lines = LineDiff.Compare("a\nb\nc\nd", "a\nc\nd\ne");

        lines.Select(line => (line.Change, line.Text)).ShouldBe(
        [
            (DiffChange.Same, "a"),
            (DiffChange.Removed, "b"),
            (DiffChange.Same, "c"),
            (DiffChange.Same, "d"),
            (DiffChange.Added, "e"),
        ]);
    }

    [Fact]
    public void Equal_texts_have_no_change()
    {
        LineDiff.Compare("x\ny", "x\ny").ShouldAllBe(line => line.Change == DiffChange.Same);
    }
}
