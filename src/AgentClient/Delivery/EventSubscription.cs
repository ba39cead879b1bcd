using System.Threading.Channels;

namespace Orleans.AgentChannel.Client.Delivery;

/// <summary>
/// One running <c>await foreach</c> over the agent's events. The dispatcher hands it an event and waits until
/// the loop asks for the next one (or ends): only then has the loop body processed the event.
/// </summary>
internal sealed class EventSubscription(Func<AgentChannelEvent, bool> wants)
{
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private volatile bool _completed;

    /// <summary>Gives the event to the loop and waits until the loop is done with it; skips events it does not want.</summary>
    public async Task Deliver(AgentChannelEvent item, CancellationToken closing)
    {
        if (!wants(item))
        {
            return;
        }
        var delivery = new Delivery(item);
        if (_deliveries.Writer.TryWrite(delivery))
        {
            await delivery.Handled.Task.WaitAsync(closing);
        }
    }

    /// <summary>The loop's next event; null once the client closed.</summary>
    public async ValueTask<Delivery?> Next(CancellationToken cancellation)
    {
        try
        {
            var delivery = await _deliveries.Reader.ReadAsync(cancellation);
            return _completed ? null : delivery;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The client is closing: the loop ends after its current event, and nothing more is handed to it.</summary>
    public void Complete()
    {
        _completed = true;
        _deliveries.Writer.TryComplete();
    }

    /// <summary>The loop ended: an event handed to it but not read yet is released, so the dispatcher moves on.</summary>
    public void End()
    {
        _deliveries.Writer.TryComplete();
        while (_deliveries.Reader.TryRead(out var pending))
        {
            pending.Handled.TrySetResult();
        }
    }

    public sealed class Delivery(AgentChannelEvent item)
    {
        public AgentChannelEvent Event { get; } = item;

        public TaskCompletionSource Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
