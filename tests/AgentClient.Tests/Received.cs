using System.Threading.Channels;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>Everything a C# agent's handlers saw, in dispatch order, for a test to wait on with a deadline.</summary>
public sealed class Received
{
    private readonly Channel<AgentChannelEvent> _events = Channel.CreateUnbounded<AgentChannelEvent>();

    public static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Records every event the agent dispatches (register before <see cref="AgentClient.Start"/>).</summary>
    public static Received By(AgentClient agent)
    {
        var received = new Received();
        agent.OnEvent((item, _) =>
        {
            received._events.Writer.TryWrite(item);
            return Task.CompletedTask;
        });
        return received;
    }

    /// <summary>The next event of type <typeparamref name="T"/> that matches, skipping others; fails after the deadline.</summary>
    public async Task<T> Next<T>(Func<T, bool>? match = null) where T : AgentChannelEvent
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        while (true)
        {
            var item = await _events.Reader.ReadAsync(deadline.Token);
            if (item is T typed && (match is null || match(typed)))
            {
                return typed;
            }
        }
    }

    /// <summary>The next <paramref name="count"/> events of type <typeparamref name="T"/>, in order.</summary>
    public async Task<List<T>> Take<T>(int count) where T : AgentChannelEvent
    {
        var taken = new List<T>(count);
        while (taken.Count < count)
        {
            taken.Add(await Next<T>());
        }
        return taken;
    }

    /// <summary>Everything received and not read yet.</summary>
    public List<AgentChannelEvent> Drain()
    {
        var drained = new List<AgentChannelEvent>();
        while (_events.Reader.TryRead(out var item))
        {
            drained.Add(item);
        }
        return drained;
    }
}

public static class AsyncEnumerableTesting
{
    /// <summary>The first <paramref name="count"/> items of a stream, or a failure after the deadline.</summary>
    public static Task<List<T>> Take<T>(this IAsyncEnumerable<T> stream, int count) => TakeUntil(stream, taken => taken.Count == count);

    /// <summary>The items of a stream up to the one after which <paramref name="done"/> holds, or a failure after the deadline.</summary>
    public static async Task<List<T>> TakeUntil<T>(this IAsyncEnumerable<T> stream, Func<IReadOnlyList<T>, bool> done)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Received.Deadline);
        var taken = new List<T>();
        await foreach (var item in stream.WithCancellation(deadline.Token))
        {
            taken.Add(item);
            if (done(taken))
            {
                break;
            }
        }
        return taken;
    }
}
