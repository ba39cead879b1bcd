namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// One plugin's record on this silo: calls, failures by kind, the last error. Shown in the console's Plugins
/// page and at <c>GET /api/plugins</c>.
/// </summary>
public sealed class PluginHealth(PluginDescriptor descriptor)
{
    private readonly Lock _gate = new();
    private long _calls;
    private long _errors;
    private long _timeouts;
    private long _skipped;
    private long _retries;
    private long _eventsFailed;
    private long _eventsDropped;
    private string? _lastError;
    private DateTimeOffset? _lastFailureAt;

    public PluginDescriptor Descriptor { get; } = descriptor;

    /// <summary>Events waiting in this sink's queue, when the plugin is a sink.</summary>
    public Func<int>? QueueLength { get; set; }

    public void Called() => Interlocked.Increment(ref _calls);

    public void Errored(Exception error, DateTimeOffset at) => Failed(ref _errors, $"{error.GetType().Name}: {error.Message}", at);

    public void TimedOut(TimeSpan timeout, DateTimeOffset at) => Failed(ref _timeouts, $"timed out after {timeout.TotalMilliseconds:0} ms", at);

    /// <summary>Not called because it failed too often lately (its circuit is open).</summary>
    public void Skipped() => Interlocked.Increment(ref _skipped);

    public void Retried() => Interlocked.Increment(ref _retries);

    public void EventFailed() => Interlocked.Increment(ref _eventsFailed);

    public void EventDropped(DateTimeOffset at) => Failed(ref _eventsDropped, "queue full: event dropped", at);

    /// <summary>How long after its last failure a plugin still shows as failing.</summary>
    public static TimeSpan FailingFor { get; } = TimeSpan.FromMinutes(5);

    public PluginStatus Snapshot(DateTimeOffset now)
    {
        lock (_gate)
        {
            return new PluginStatus(
                Descriptor.Name, Descriptor.Source, [.. Descriptor.ExtensionPoints.Select(point => point.Name)],
                Interlocked.Read(ref _calls), Interlocked.Read(ref _errors), Interlocked.Read(ref _timeouts),
                Interlocked.Read(ref _skipped), Interlocked.Read(ref _retries), Interlocked.Read(ref _eventsFailed),
                Interlocked.Read(ref _eventsDropped), QueueLength?.Invoke(), _lastError, _lastFailureAt,
                Healthy: _lastFailureAt is not { } failedAt || now - failedAt > FailingFor);
        }
    }

    private void Failed(ref long counter, string error, DateTimeOffset at)
    {
        Interlocked.Increment(ref counter);
        lock (_gate)
        {
            _lastError = error;
            _lastFailureAt = at;
        }
    }
}
