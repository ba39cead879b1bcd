using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// A grain's one durable reminder, held while the grain has work whose clock lives in its memory (a lease, a presence
/// timeout, an expiry, a queue place). Its timers die with its silo; the reminder does not: Orleans' reminder service
/// on a live silo ticks it within a period and the grain comes back to finish the work. Holding and letting go are
/// idempotent; a failed reminder write is logged and tried again at the grain's next <see cref="Hold"/>, since the
/// grain's own timers still run while it is active.
/// </summary>
internal sealed partial class Backstop(Grain grain, string name, TimeSpan period, ILogger logger)
{
    private enum Known
    {
        Unknown,
        Held,
        Absent,
    }

    private Known _known = Known.Unknown;
    private IGrainReminder? _reminder;

    /// <summary>For a grain that has never been stored: it cannot have a reminder yet, so the first hold need not look.</summary>
    public void AssumeAbsent()
    {
        if (_known == Known.Unknown)
        {
            _known = Known.Absent;
        }
    }

    /// <summary>Makes sure the reminder exists; with <paramref name="firstTick"/>, (re)schedules its next tick at that delay.</summary>
    public async Task Hold(TimeSpan? firstTick = null)
    {
        if (_known == Known.Held && firstTick is null)
        {
            return;
        }
        try
        {
            if (firstTick is null && _known == Known.Unknown && await grain.GetReminder(name) is { } existing)
            {
                _reminder = existing;
            }
            else
            {
                var due = firstTick switch
                {
                    null => period,
                    { } delay when delay > TimeSpan.Zero => delay,
                    _ => TimeSpan.FromMilliseconds(1),
                };
                _reminder = await grain.RegisterOrUpdateReminder(name, due, period);
            }
            _known = Known.Held;
        }
        catch (Exception exception)
        {
            _known = Known.Unknown;
            LogHoldFailed(exception, name, grain.GetGrainId());
        }
    }

    public async Task Release()
    {
        if (_known == Known.Absent)
        {
            return;
        }
        try
        {
            if ((_reminder ?? await grain.GetReminder(name)) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
            _reminder = null;
            _known = Known.Absent;
        }
        catch (Exception exception)
        {
            // Left behind, it ticks once more and the grain lets go of it then.
            _reminder = null;
            _known = Known.Unknown;
            LogReleaseFailed(exception, name, grain.GetGrainId());
        }
    }

    [LoggerMessage(LogLevel.Warning, "Reminder {Name} of {Grain} could not be stored; tried again at its next change")]
    private partial void LogHoldFailed(Exception exception, string name, GrainId grain);

    [LoggerMessage(LogLevel.Warning, "Reminder {Name} of {Grain} could not be removed; it is dropped at its next tick")]
    private partial void LogReleaseFailed(Exception exception, string name, GrainId grain);
}
