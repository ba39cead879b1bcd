namespace Orleans.AgentChannel.WebFrontend.Tests;

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
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
