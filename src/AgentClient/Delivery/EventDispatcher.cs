using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Client.Delivery;

/// <summary>
/// Hands each event to the registered handlers, then to every running enumeration that wants it, one after the
/// other. It returns once all of them are done with the event, so an inbox event counts as processed only then.
/// <paramref name="observe"/> sees each event first (the client's own bookkeeping), in the same order.
/// </summary>
internal sealed partial class EventDispatcher(ILogger logger, Action<AgentChannelEvent>? observe = null)
{
    private ImmutableList<Registration> _handlers = [];
    private ImmutableList<EventSubscription> _subscriptions = [];

    public IDisposable AddHandler(string? eventName, Func<AgentChannelEvent, CancellationToken, Task> handler)
    {
        var registration = new Registration(eventName, handler);
        ImmutableInterlocked.Update(ref _handlers, list => list.Add(registration));
        return new Unregister(() => ImmutableInterlocked.Update(ref _handlers, list => list.Remove(registration)));
    }

    public void Add(EventSubscription subscription) => ImmutableInterlocked.Update(ref _subscriptions, list => list.Add(subscription));

    public void Remove(EventSubscription subscription) => ImmutableInterlocked.Update(ref _subscriptions, list => list.Remove(subscription));

    /// <summary>
    /// Runs the handlers and enumerations for one event. A handler that throws is logged and the event still
    /// counts as handled (as in the Python SDK): retrying forever would stall every later event. Only cancellation
    /// by <paramref name="closing"/> leaves it unhandled, so it comes again on the next connect.
    /// </summary>
    public async Task Dispatch(AgentChannelEvent item, CancellationToken closing)
    {
        observe?.Invoke(item);
        foreach (var registration in _handlers)
        {
            if (registration.EventName is not null && registration.EventName != item.Name)
            {
                continue;
            }
            closing.ThrowIfCancellationRequested();
            try
            {
                await registration.Handler(item, closing);
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception)
            {
                LogHandlerFailed(exception, item.Name, item.Seq);
            }
        }
        foreach (var subscription in _subscriptions)
        {
            await subscription.Deliver(item, closing);
        }
    }

    /// <summary>Ends every running enumeration (the client is closing).</summary>
    public void CompleteAll()
    {
        foreach (var subscription in Interlocked.Exchange(ref _subscriptions, []))
        {
            subscription.Complete();
        }
    }

    [LoggerMessage(LogLevel.Error, "A {Event} handler failed (seq {Seq}); the event counts as processed")]
    private partial void LogHandlerFailed(Exception exception, string @event, long? seq);

    private sealed record Registration(string? EventName, Func<AgentChannelEvent, CancellationToken, Task> Handler);

    private sealed class Unregister(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
    }
}
