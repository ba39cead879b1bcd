using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>
/// How a live connection (a WebSocket, an SSE stream) hands an agent its inbox: replay after the client's last
/// sequence, then the grain's pushes in sequence order, each gap filled from the inbox, nothing sent twice (the
/// rule is <see cref="InboxCursor"/>'s, shared with the C# client). The push is the fast path, the inbox the guarantee.
/// </summary>
public static class InboxPump
{
    /// <summary>Not an event to send: tells <see cref="Pump"/> the inbox holds events up to its seq.</summary>
    private const string InboxCheckEvent = "";

    /// <summary>
    /// Sends the inbox after <paramref name="replayFrom"/>, then what arrives on <paramref name="live"/>: inbox
    /// events in sequence order with no gap and no repeat, events without a seq as they come. Runs until
    /// <paramref name="live"/> completes or <paramref name="cancellation"/> fires.
    /// </summary>
    public static async Task Pump(IAgentGrain grain, long replayFrom, ChannelReader<AgentEvent> live,
        Func<AgentEvent, Task> send, int pageSize, CancellationToken cancellation)
    {
        var cursor = new InboxCursor(replayFrom, afterSeq => grain.ReadInbox(afterSeq, pageSize), send);
        await cursor.CatchUp();
        await foreach (var item in live.ReadAllAsync(cancellation))
        {
            if (item.Event != InboxCheckEvent)
            {
                await cursor.Offer(item);
            }
            else if (item.Seq is { } inboxReaches)
            {
                await cursor.InboxReaches(inboxReaches);
            }
        }
    }

    /// <summary>
    /// While the connection is open the agent counts as connected: <paramref name="renew"/>s it with the grain
    /// (<c>Connected</c> with its observer and interest) before the presence timeout, and asks
    /// <paramref name="push"/> to check the inbox, which finds a push that never arrived (its grain moved, its
    /// silo died) with nothing after it to show the gap. When the grain had lost the connection,
    /// <paramref name="lost"/> runs: live events may have been missed meanwhile.
    /// </summary>
    public static async Task RenewPresence(IAgentGrain grain, Func<Task<AgentConnected>> renew, Func<Task> lost,
        Action<AgentEvent> push, TimeSpan every, Action<Exception> renewFailed, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                try
                {
                    if (!(await renew()).WasConnected)
                    {
                        await lost();
                    }
                    push(new AgentEvent(InboxCheckEvent, (await grain.GetInboxPosition()).LastSeq, default));
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A silo failing over: the next renewal finds the grain again.
                    renewFailed(exception);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
