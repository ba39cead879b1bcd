namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Time going by for presence and leases on a server whose clock is a <see cref="SetClock"/>: the clock moves in steps
/// shorter than the timeout, and each step waits until the agents still running have shown life on the moved clock (a
/// heartbeat, or their gateway renewing the connection every third of the presence timeout). So only an agent that
/// stopped showing life can time out, however long a loaded machine stalls between two beats.
/// </summary>
public sealed class PresenceSteps(SetClock clock, HttpClient operatorClient, TimeSpan timeout)
{
    /// <summary>Moves the clock one step; <paramref name="alsoKept"/> is what else must hold on the moved clock (a renewed lease).</summary>
    public async Task Step(IReadOnlyCollection<string> running, Func<DateTimeOffset, Task<bool>>? alsoKept = null)
    {
        clock.Now += timeout * 0.6;
        var now = clock.Now;
        await Poll.Until(async () => await ShowedLife(running, now) && (alsoKept is null || await alsoKept(now)),
            $"{string.Join(", ", running)} to show life after the clock moved to {now:O}");
    }

    /// <summary>Steps until <paramref name="gone"/>, which stopped showing life, is offline.</summary>
    public Task UntilOffline(string gone, IReadOnlyCollection<string> running) =>
        Poll.Until(async () =>
        {
            await Step(running);
            return (await operatorClient.Get($"/api/agents/{gone}")).Json["status"]!.GetValue<string>() == "offline";
        }, $"{gone} to time out");

    private async Task<bool> ShowedLife(IReadOnlyCollection<string> running, DateTimeOffset since)
    {
        foreach (var name in running)
        {
            if ((await operatorClient.Get($"/api/agents/{name}")).Json["last_seen"]!.GetValue<DateTimeOffset>() < since)
            {
                return false;
            }
        }
        return true;
    }
}
