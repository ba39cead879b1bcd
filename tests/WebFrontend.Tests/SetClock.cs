namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// A wall clock the test sets, so stored times are known exactly. Only the date and time are fixed: timers
/// and stopwatches run on real time (unlike FakeTimeProvider's, which stand still until advanced), because
/// Orleans' own timers, the stream pulling agents and Kestrel run on the same TimeProvider and must keep going.
/// </summary>
public sealed class SetClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;
}
