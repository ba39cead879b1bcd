namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

/// <summary>
/// Turns a burst of change events into one reload: the first request starts a short delay, later ones
/// within it ride along. Used where an event says "something changed" but not the new figure (counts).
/// </summary>
public sealed class RefreshCoalescer(Func<Task> refresh, TimeSpan delay) : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private int _pending;

    public void Request()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _ = RunAsync();
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await Task.Delay(delay, _disposed.Token);
            Volatile.Write(ref _pending, 0);
            await refresh();
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
