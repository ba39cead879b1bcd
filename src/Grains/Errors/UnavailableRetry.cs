using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Idempotency;

namespace Orleans.AgentChannel.Errors;

/// <summary>
/// The cluster client's side of failover: a call that fails because the cluster could not serve it (the silo holding
/// the grain died, the gateway connection dropped, the call timed out) is repeated, with growing pauses, when calling it
/// twice is the same as calling it once (<see cref="RetrySafeAttribute"/>: reads, heartbeats, acks; or a write that carries
/// idempotency keys), until it succeeds or the bound runs out. Anything else, or a call still failing at the bound, ends as <see cref="ErrorKind.Unavailable"/>,
/// which every front door answers with 503 and a retry hint, never as an internal error.
/// </summary>
internal sealed class UnavailableRetry(IOptions<ClusterClientOptions> options, TimeProvider clock) : IOutgoingGrainCallFilter
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<MethodInfo, RetryRule> _rules = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var retrySafe = _rules.GetOrAdd(context.InterfaceMethod, RetryRule.Of).Allows(context);
        var giveUpAt = clock.GetUtcNow() + TimeSpan.FromSeconds(options.Value.RetryUnavailableSeconds);
        var pause = FirstPause;
        while (true)
        {
            try
            {
                await context.Invoke();
                return;
            }
            catch (Exception fault) when (TransientFaults.IsTransient(fault))
            {
                if (!retrySafe || clock.GetUtcNow() + pause > giveUpAt)
                {
                    throw fault as AgentChannelException ?? TransientFaults.Unavailable(fault);
                }
            }
            await Task.Delay(pause, clock);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }

    /// <summary>
    /// A call may be repeated when its method is <see cref="RetrySafeAttribute"/>, or when it carries idempotency keys
    /// (every one given): the grain then answers a repeat with its first answer and stores nothing twice.
    /// </summary>
    private sealed record RetryRule(bool Always, int[] KeyArguments)
    {
        public static RetryRule Of(MethodInfo method) => new(
            method.GetCustomAttribute<RetrySafeAttribute>() is not null,
            method.GetParameters()
                .Where(parameter => parameter.ParameterType == typeof(IdempotencyKey)
                                    || typeof(IEnumerable<IdempotencyKey?>).IsAssignableFrom(parameter.ParameterType))
                .Select(parameter => parameter.Position).ToArray());

        public bool Allows(IOutgoingGrainCallContext context) =>
            Always || (KeyArguments.Length > 0 && KeyArguments.All(position => context.Request.GetArgument(position) switch
            {
                IdempotencyKey => true,
                IEnumerable<IdempotencyKey?> keys => keys.All(key => key is not null),
                _ => false,
            }));
    }
}
