using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// A sweep a silo runs every <see cref="Interval"/> while it is active. A failed tick is logged and the next one tries
/// again, so one bad pass (a database that is briefly away) never ends the loop.
/// </summary>
internal abstract partial class PeriodicSiloLoop(TimeProvider clock, ILogger logger) : SiloBackgroundLoop
{
    protected ILogger Logger { get; } = logger;

    protected TimeProvider Clock { get; } = clock;

    /// <summary>Time between ticks; zero or less leaves the loop off.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first tick runs at once (catching up after a restart) rather than one interval in.</summary>
    protected virtual bool TickAtStart => false;

    protected abstract Task Tick(CancellationToken stopping);

    protected sealed override async Task RunAsync(CancellationToken stopping)
    {
        var interval = Interval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, Clock);
        try
        {
            if (TickAtStart)
            {
                await TickOnce(stopping);
            }
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await TickOnce(stopping);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TickOnce(CancellationToken stopping)
    {
        try
        {
            await Tick(stopping);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogTickFailed(Logger, exception, GetType().Name);
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Loop} failed; it runs again at the next tick")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string loop);
}
