using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.AgentChannel.WebFrontend.Components.Services;
using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.Console.Tests.Components;

/// <summary>"Last seen" labels: they move with the clock on their own, and stop listening when removed.</summary>
public sealed class RelativeTimeTests : BunitContext
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public RelativeTimeTests()
    {
        Services.AddSingleton<TimeProvider>(_time);
        Services.AddScoped<ConsoleClock>();
    }

    [Fact]
    public void The_label_advances_each_second_without_new_data()
    {
        var seen = _time.GetUtcNow().AddSeconds(-12);
        var label = Render<RelativeTime>(time => time.Add(t => t.At, seen));
        label.Find("span").TextContent.ShouldBe("12 s ago");
        label.Find("span").GetAttribute("title").ShouldBe("2026-11-26 11:59:48 UTC");

        _time.Advance(TimeSpan.FromSeconds(1));
        label.WaitForAssertion(() => label.Find("span").TextContent.ShouldBe("13 s ago"));

        _time.Advance(TimeSpan.FromSeconds(50));
        label.WaitForAssertion(() => label.Find("span").TextContent.ShouldBe("1 min ago"));
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(59, "59 s ago")]
    [InlineData(3 * 3600 + 5, "3 h ago")]
    [InlineData(2 * 86400, "2 d ago")]
    [InlineData(-120, "in 2 min")]
    public void Ago_reads_as_people_say_it(int secondsAgo, string expected)
    {
        var now = _time.GetUtcNow();

        Ago.Format(now.AddSeconds(-secondsAgo), now).ShouldBe(expected);
    }
}
