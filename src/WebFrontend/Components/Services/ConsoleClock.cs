namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// A once-a-second tick for one circuit, so "12 s ago" labels stay true without reloading any data. The timer
/// runs only while something listens to it.
/// </summary>
public sealed class ConsoleClock(TimeProvider time) : IDisposable
{
    private readonly Lock _lock = new();
    private Action? _tick;
    private ITimer? _timer;

    public DateTimeOffset Now => time.GetUtcNow();

    public event Action Tick
    {
        add
        {
            lock (_lock)
            {
                _tick += value;
                _timer ??= time.CreateTimer(_ => _tick?.Invoke(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            }
        }
        remove
        {
            lock (_lock)
            {
                _tick -= value;
                if (_tick is null)
                {
                    _timer?.Dispose();
                    _timer = null;
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _tick = null;
            _timer?.Dispose();
            _timer = null;
        }
    }
}
