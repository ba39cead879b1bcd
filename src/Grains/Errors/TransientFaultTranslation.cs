namespace Orleans.AgentChannel.Errors;

/// <summary>
/// Every grain call on a silo leaves with either its answer, a domain error, or — when the cluster or storage failed
/// it for a reason that passes — <see cref="ErrorKind.Unavailable"/>, so a front door or cluster client never has to
/// tell a dead silo from a broken request by an exception type it cannot even deserialize (a storage driver's).
/// </summary>
internal sealed class TransientFaultTranslation : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception fault) when (fault is not AgentChannelException && TransientFaults.IsTransient(fault))
        {
            throw TransientFaults.Unavailable(fault);
        }
    }
}
