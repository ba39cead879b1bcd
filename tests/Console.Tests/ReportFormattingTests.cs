using Orleans.AgentChannel.WebFrontend.Components.Services;
using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.Console.Tests;

/// <summary>How the Reports page writes durations and CSV fields.</summary>
public sealed class ReportFormattingTests
{
    [Theory]
    [InlineData(850, "850 ms")]
    [InlineData(12_500, "12.5 s")]
    [InlineData(40 * 60_000, "40 min")]
    [InlineData(90_500, "1 min 30 s")]
    [InlineData(75 * 60_000, "1 h 15 min")]
    [InlineData(2 * 3_600_000, "2 h")]
    [InlineData(51 * 3_600_000, "2 d 3 h")]
    public void Durations_read_as_people_say_them(long milliseconds, string text) =>
        DurationText.Format(milliseconds).ShouldBe(text);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a, b", "\"a, b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("-42", "-42")]
    public void Csv_fields_are_quoted_and_formulas_defused(string value, string field) =>
        StatsCsv.Field(value).ShouldBe(field);
}
