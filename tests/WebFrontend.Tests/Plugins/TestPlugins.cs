using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.WebFrontend.Tests.Plugins;

/// <summary>
/// Takes over tasks whose requirements say <c>"pick": "agent"</c> (offer to that agent only) or
/// <c>"hold": true</c> (wait); defers on every other task, which the built-in strategy then places.
/// </summary>
public sealed class PickAssignmentStrategy : IAssignmentStrategy
{
    public ConcurrentDictionary<Guid, int> Asked { get; } = new();

    public ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken)
    {
        using var requirements = JsonDocument.Parse(request.Task.Requirements.Text);
        var root = requirements.RootElement;
        if (root.TryGetProperty("pick", out var pick))
        {
            Asked.AddOrUpdate(request.Task.Id, 1, (_, count) => count + 1);
            return ValueTask.FromResult(AssignmentDecision.Offer(pick.GetString()!));
        }
        if (root.TryGetProperty("hold", out _))
        {
            Asked.AddOrUpdate(request.Task.Id, 1, (_, count) => count + 1);
            return ValueTask.FromResult(AssignmentDecision.Wait);
        }
        return ValueTask.FromResult(AssignmentDecision.Defer);
    }
}

/// <summary>Throws for tasks whose requirements say <c>"explode": true</c>, hangs for <c>"stall": true</c>; defers on the rest.</summary>
public sealed class FaultyAssignmentStrategy : IAssignmentStrategy
{
    public async ValueTask<AssignmentDecision> ChooseAsync(AssignmentRequest request, CancellationToken cancellationToken)
    {
        using var requirements = JsonDocument.Parse(request.Task.Requirements.Text);
        if (requirements.RootElement.TryGetProperty("explode", out _))
        {
            throw new InvalidOperationException("faulty strategy threw on purpose");
        }
        if (requirements.RootElement.TryGetProperty("stall", out _))
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }
        return AssignmentDecision.Defer;
    }
}

/// <summary>Rejects messages that say "forbidden-word"; stamps every other one with <c>checked_by</c> and redacts "secret".</summary>
public sealed class PolicyInterceptor : IMessageInterceptor
{
    public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken)
    {
        if (message.Content.Contains("forbidden-word", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(MessageVerdict.Reject("it contains a forbidden word"));
        }
        message.Metadata["checked_by"] = "policy";
        message.Metadata["sender_seen"] = message.Sender;
        return ValueTask.FromResult(MessageVerdict.Accept(message with { Content = message.Content.Replace("secret", "[redacted]", StringComparison.Ordinal) }));
    }
}

/// <summary>Misbehaves on demand: "[throw]" throws, "[hang]" blocks its thread far past any time-out, "[huge]" returns oversized content.</summary>
public sealed class FaultyInterceptor : IMessageInterceptor
{
    public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken)
    {
        if (message.Content.Contains("[throw]", StringComparison.Ordinal))
        {
            message.Metadata["faulty"] = "left behind";
            throw new InvalidOperationException("faulty interceptor threw on purpose");
        }
        if (message.Content.Contains("[hang]", StringComparison.Ordinal))
        {
            // Ignores its token and holds the thread: the worst a plugin can do short of crashing the process.
            Thread.Sleep(TimeSpan.FromSeconds(5));
        }
        if (message.Content.Contains("[huge]", StringComparison.Ordinal))
        {
            return ValueTask.FromResult(MessageVerdict.Accept(message with { Content = new string('x', 1_000_000) }));
        }
        return ValueTask.FromResult(MessageVerdict.Accept(message));
    }
}

/// <summary>Keeps every event it receives.</summary>
public sealed class RecordingSink : IEventSink
{
    public ConcurrentQueue<SinkEvent> Events { get; } = new();

    public ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken)
    {
        Events.Enqueue(activity);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Fails the first two tries of every message event (the dispatcher's retries get it through), and every try of other events.</summary>
public sealed class FlakySink : IEventSink
{
    private readonly ConcurrentDictionary<Guid, int> _tries = new();

    public ConcurrentQueue<SinkEvent> Taken { get; } = new();

    public ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken)
    {
        var tries = _tries.AddOrUpdate(activity.Id, 1, (_, count) => count + 1);
        if (activity.Event != "message:received" || tries <= 2)
        {
            throw new InvalidOperationException($"flaky sink fails try {tries}");
        }
        Taken.Enqueue(activity);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Never returns within the time-out.</summary>
public sealed class HangingSink : IEventSink
{
    public async ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken) =>
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
}
