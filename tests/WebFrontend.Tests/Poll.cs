namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>Waits for a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Poll
{
    /// <param name="onTimeout">What to add to the timeout's message (the last thing seen).</param>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null, Func<string>? onTimeout = null)
    {
        var giveUp = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"Timed out waiting for {what}.{(onTimeout is null ? "" : " Last seen: " + onTimeout())}");
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
