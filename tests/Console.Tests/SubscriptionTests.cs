namespace Orleans.AgentChannel.Console.Tests;

/// <summary>Runs alone: it counts the host's activity subscriptions, which other open tabs would change.</summary>
[CollectionDefinition(nameof(SubscriptionTests), DisableParallelization = true)]
public sealed class SubscriptionTestsCollection;

[Collection(nameof(SubscriptionTests))]
public sealed class SubscriptionTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_console_tab_holds_one_activity_subscription_and_releases_it_when_closed()
    {
        var before = await fixture.Server.ActivitySubscriptions();

        var console = await fixture.Open("/console", "Agents");
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "the tab's subscription");
        await console.Page.GotoAsync("/console/tasks");
        await Microsoft.Playwright.Assertions.Expect(console.Page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Task board" }))
            .ToBeVisibleAsync();
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before + 1, "still one subscription after moving between pages");

        await console.DisposeAsync();
        await Poll.Until(async () => await fixture.Server.ActivitySubscriptions() == before, "the subscription to be released");
    }
}

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Poll
{
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var giveUp = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
