namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Receives every activity event (message:received, task:updated, memory:updated, agent:joined, ...) after
/// what it reports is stored. Delivery is off the caller's path: the sender never waits for a sink. Each sink
/// has its own queue, so a slow sink delays only itself. A call that throws or runs past the plugin time-out
/// is retried with exponential backoff; when the retries run out the event is logged and counted as failed
/// for that sink (never dropped silently).
/// </summary>
public interface IEventSink
{
    ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken);
}
