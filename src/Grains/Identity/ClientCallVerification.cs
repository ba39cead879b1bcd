using System.Collections.Concurrent;
using System.Reflection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Identity;

/// <summary>
/// The trust boundary of a silo. A call from a cluster client behind a gateway (a C# agent, a front end in client
/// mode, any Orleans client that reaches the port) is verified here before the grain runs: the token it presents
/// (<see cref="ClusterCredential"/>) is the operator's, which may do anything (front ends act for the agents they
/// authenticated themselves), or an agent's, which may call only what <see cref="AgentAccessAttribute"/> and
/// <see cref="Caller"/> parameters open to it, as itself. Calls between grains, and from code in a silo process
/// (Orleans' hosted client: the embedded front end, background loops), are inside the boundary and pass unchecked.
/// </summary>
internal sealed class ClientCallVerification(IGrainFactory grains, OperatorToken operatorToken) : IIncomingGrainCallFilter
{
    private static readonly Assembly Contracts = typeof(Caller).Assembly;

    private readonly ConcurrentDictionary<MethodInfo, MethodAccess> _methods = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        // Orleans' system targets (the cluster manifest a client reads as it connects, ...) are Orleans' own business.
        if (context.SourceId is { } source && IsClientBehindGateway(source) && !context.TargetId.IsSystemTarget())
        {
            // Taken out whether or not it is valid: a token must never ride along on the calls this one makes.
            var token = ClusterCredential.Take();
            var access = _methods.GetOrAdd(context.InterfaceMethod, Describe);
            if (access.Kind != AccessKind.Anonymous || token is not null)
            {
                var agent = await Verify(token, context);
                if (agent is not null)
                {
                    access.Check(agent, context);
                }
            }
        }
        await context.Invoke();
    }

    /// <summary>Orleans names the client inside each silo process <c>hosted-{silo}</c>; every other client came in through a gateway.</summary>
    private static bool IsClientBehindGateway(GrainId source) =>
        source.IsClient() && !source.Key.AsSpan().StartsWith("hosted-"u8);

    /// <summary>The agent the token belongs to, or null for the operator's token; throws unauthorized otherwise.</summary>
    private async Task<string?> Verify(string? token, IIncomingGrainCallContext context)
    {
        if (token is null)
        {
            throw AgentChannelException.Unauthorized(
                $"{context.InterfaceName}.{context.MethodName} needs a token: an agent's (AgentClient presents it) or, for front ends, the operator's.");
        }
        if (operatorToken.Matches(token))
        {
            return null;
        }
        var claimed = AgentTokens.ClaimedAgentName(token);
        var agent = claimed is not null && AgentNames.IsValid(claimed)
            ? await grains.GetGrain<IAgentGrain>(AgentNames.Key(claimed)).Authenticate(token)
            : null;
        return agent?.Name
               ?? throw AgentChannelException.Unauthorized("The token is not valid: never issued, or replaced by a newer registration of the agent.");
    }

    private static MethodAccess Describe(MethodInfo method)
    {
        if (method.DeclaringType?.Assembly != Contracts)
        {
            // Orleans' own grains (stream pub-sub): the activity streams are the operator's side of the cluster;
            // agents get their events from their own grain and never subscribe.
            return new MethodAccess(AccessKind.OperatorOnly, []);
        }
        if (method.GetCustomAttribute<AgentAccessAttribute>() is { } declared)
        {
            return new MethodAccess(declared.Access switch
            {
                AgentAccess.Anonymous => AccessKind.Anonymous,
                AgentAccess.AnyAgent => AccessKind.AnyAgent,
                AgentAccess.OwnGrain => AccessKind.OwnGrain,
                _ => throw new ArgumentOutOfRangeException(nameof(method), declared.Access, "Unknown agent access."),
            }, []);
        }
        var callers = method.GetParameters().Where(parameter => parameter.ParameterType == typeof(Caller)).Select(parameter => parameter.Position).ToArray();
        return new MethodAccess(callers.Length > 0 ? AccessKind.AsItself : AccessKind.OperatorOnly, callers);
    }

    private enum AccessKind
    {
        Anonymous,
        AnyAgent,
        OwnGrain,
        AsItself,
        OperatorOnly,
    }

    private sealed record MethodAccess(AccessKind Kind, int[] CallerArguments)
    {
        public void Check(string agent, IIncomingGrainCallContext context)
        {
            switch (Kind)
            {
                case AccessKind.Anonymous or AccessKind.AnyAgent:
                    return;
                case AccessKind.OwnGrain when context.TargetId.Key.ToString() == AgentNames.Key(agent):
                    return;
                case AccessKind.OwnGrain:
                    throw AgentChannelException.Forbidden($"{context.MethodName} is open to an agent on its own grain only; the token is {agent}'s.");
                case AccessKind.AsItself:
                    foreach (var position in CallerArguments)
                    {
                        if (context.Request.GetArgument(position) is not Caller caller || !caller.Is(agent))
                        {
                            throw AgentChannelException.Forbidden($"The token is {agent}'s: a cluster client acts as {agent} only, never as another agent or the operator.");
                        }
                    }
                    return;
                default:
                    throw AgentChannelException.Forbidden($"{context.InterfaceName}.{context.MethodName} is for the silos and the operator token only.");
            }
        }
    }
}
