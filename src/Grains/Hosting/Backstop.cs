using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// A grain's one durable reminder, held while the grain has work whose clock lives in its memory (a lease, a presence
/// timeout, a queue place). Its timers die with its silo; the reminder does not: Orleans' reminder service on a live
/// silo ticks it within a period and the grain comes back to finish the work.
/// </summary>
/// <remarks>
/// The grain says when what it wants may have changed (<see cref="Sync"/>); the reminder table is brought in line
/// by a timer of the grain's own, after the call that changed it has answered and interleaved with later calls. So
/// no caller waits on the reminder service (whose owner of the grain's range may be a silo that just died), and only
/// one reminder write of a grain is ever in flight. A failed write is tried again every <see cref="RetryInterval"/>
/// while the grain is active; meanwhile its own timers still do the work.
/// </remarks>
internal sealed partial class Backstop(Grain grain, string name, TimeSpan period, Func<bool> wanted, ILogger logger)
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private enum Known
    {
        Unknown,
        Held,
        Absent,
    }

    private Known _known = Known.Unknown;
    private IGrainReminder? _reminder;
    private IGrainTimer? _sync;

    /// <summary>For a grain that has never been stored: it cannot have a reminder yet, so the first hold need not look.</summary>
    public void AssumeAbsent()
    {
        if (_known == Known.Unknown)
        {
            _known = Known.Absent;
        }
    }

    /// <summary>What the grain wants may have changed: the reminder table follows soon after this call.</summary>
    public void Sync()
    {
        if (_sync is null && !InLine)
        {
            _sync = grain.RegisterGrainTimer(SyncNow, new GrainTimerCreationOptions(TimeSpan.Zero, RetryInterval) { Interleave = true });
        }
    }

    private bool InLine => wanted() ? _known == Known.Held : _known == Known.Absent;

    private async Task SyncNow(CancellationToken cancellation)
    {
        // Calls interleaved while a write was out may have changed what is wanted: go on until it matches.
        while (!InLine)
        {
            if (!(wanted() ? await Hold() : await Release()))
            {
                return;
            }
        }
        _sync?.Dispose();
        _sync = null;
    }

    private async Task<bool> Hold()
    {
        try
        {
            _reminder = (_known == Known.Unknown ? await grain.GetReminder(name) : null)
                        ?? await grain.RegisterOrUpdateReminder(name, period, period);
            _known = Known.Held;
            return true;
        }
        catch (Exception exception)
        {
            _known = Known.Unknown;
            LogHoldFailed(exception, name, grain.GetGrainId());
            return false;
        }
    }

    private async Task<bool> Release()
    {
        try
        {
            if ((_reminder ?? await grain.GetReminder(name)) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
            _reminder = null;
            _known = Known.Absent;
            return true;
        }
        catch (Exception exception)
        {
            _reminder = null;
            _known = Known.Unknown;
            LogReleaseFailed(exception, name, grain.GetGrainId());
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reminder {Name} of {Grain} could not be stored; trying again in 5 s")]
    private partial void LogHoldFailed(Exception exception, string name, GrainId grain);

    [LoggerMessage(LogLevel.Warning, "Reminder {Name} of {Grain} could not be removed; trying again in 5 s")]
    private partial void LogReleaseFailed(Exception exception, string name, GrainId grain);
}
