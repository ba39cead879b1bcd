using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// How a connection waits for SQLite's one write lock. SQLite's own busy timeout sleeps 1, 2, 5, 10, ... up to
/// 100 ms between tries; with many short write transactions in one process (the group commit, Orleans' grain
/// state writes) waiters climbed that ladder and slept tens of milliseconds for locks held well under one
/// (measured: 910 sleeps, 8.3 s asleep in 5 s of the task benchmark, p90 25 ms). Here a waiter yields a few
/// times and then retries every millisecond until the timeout.
/// </summary>
internal static class SqliteBusyWait
{
    private const int YieldingTries = 8;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int BusyHandler(IntPtr timeoutMilliseconds, int tries);

    // Kept in a static field: native code holds the pointer for as long as any connection lives.
    private static readonly BusyHandler Handler = OnBusy;
    private static readonly IntPtr HandlerPointer = Marshal.GetFunctionPointerForDelegate(Handler);

    [ThreadStatic]
    private static long t_waitStarted;

    /// <summary>Installs the wait on an open connection (replacing any busy timeout it had).</summary>
    public static void Install(SqliteConnection connection, TimeSpan timeout)
    {
        var result = NativeMethods.sqlite3_busy_handler(connection.Handle!.DangerousGetHandle(), HandlerPointer, checked((nint)(long)timeout.TotalMilliseconds));
        if (result != 0)
        {
            throw new InvalidOperationException($"sqlite3_busy_handler failed with {result}.");
        }
    }

    /// <summary>Called by SQLite on the waiting thread; 1 = try again, 0 = give up (the statement fails with SQLITE_BUSY).</summary>
    private static int OnBusy(IntPtr timeoutMilliseconds, int tries)
    {
        var now = Stopwatch.GetTimestamp();
        if (tries == 0)
        {
            t_waitStarted = now;
        }
        else if (Stopwatch.GetElapsedTime(t_waitStarted, now).TotalMilliseconds > (long)timeoutMilliseconds)
        {
            return 0;
        }
        if (tries < YieldingTries)
        {
            Thread.Yield();
        }
        else
        {
            Thread.Sleep(1);
        }
        return 1;
    }

    private static class NativeMethods
    {
        // The SQLite that Microsoft.Data.Sqlite loads (SQLitePCLRaw's e_sqlite3 bundle); SQLitePCLRaw 2.1 does not
        // expose sqlite3_busy_handler.
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        public static extern int sqlite3_busy_handler(IntPtr database, IntPtr handler, IntPtr state);
    }
}
