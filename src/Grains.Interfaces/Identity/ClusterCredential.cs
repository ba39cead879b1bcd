namespace Orleans.AgentChannel.Identity;

/// <summary>
/// The token a cluster client presents with its grain calls. Silos verify it for every call that arrives from a
/// client through a gateway (an agent's token, or the operator's for front ends acting for the agents they
/// authenticated) and drop it before the grain runs, so it never travels further.
/// </summary>
public static class ClusterCredential
{
    /// <summary>The <see cref="Orleans.Runtime.RequestContext"/> entry carrying the token.</summary>
    public const string RequestContextKey = "agentchannel.token";

    /// <summary>
    /// Presents <paramref name="token"/> with every grain call made from the current async flow until the scope is
    /// disposed (then the previous one applies again).
    /// </summary>
    public static Scope Present(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var previous = Runtime.RequestContext.Get(RequestContextKey);
        Runtime.RequestContext.Set(RequestContextKey, token);
        return new Scope(previous, presented: true);
    }

    /// <summary>The token presented with the call being handled, taken out of the context so it goes no further.</summary>
    public static string? Take()
    {
        var token = Runtime.RequestContext.Get(RequestContextKey) as string;
        if (token is not null)
        {
            Runtime.RequestContext.Remove(RequestContextKey);
        }
        return token;
    }

    /// <summary>Restores the token presented before; <c>default</c> presents nothing and restores nothing.</summary>
    public readonly struct Scope(object? previous, bool presented) : IDisposable
    {
        public void Dispose()
        {
            if (!presented)
            {
                return;
            }
            if (previous is null)
            {
                Runtime.RequestContext.Remove(RequestContextKey);
            }
            else
            {
                Runtime.RequestContext.Set(RequestContextKey, previous);
            }
        }
    }
}
