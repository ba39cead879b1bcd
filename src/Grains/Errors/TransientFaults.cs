using Microsoft.Data.Sqlite;
using Npgsql;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace Orleans.AgentChannel.Errors;

/// <summary>
/// The one list of failures that mean "the cluster could not serve this just now" rather than "this request is
/// wrong" or "our code is wrong": a silo that died under the call or is not known dead yet, a gateway connection
/// lost, a call that timed out, storage that refused a connection or a statement for a reason that passes. They are
/// answered <see cref="ErrorKind.Unavailable"/> (503 with Retry-After), never as an internal error.
/// </summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        AgentChannelException error => error.Code == ErrorKind.Unavailable,
        // SiloUnavailableException is one of these: the target silo is dead or was never reached.
        OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException => true,
        TimeoutException => true,
        // Another activation of the grain wrote first (two activations for a moment after a silo's death); the
        // next call reads the winner's state.
        InconsistentStateException => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } => true,
        AggregateException { InnerExceptions.Count: 1 } aggregate => IsTransient(aggregate.InnerExceptions[0]),
        OrleansException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    /// <summary>The domain error a transient failure is answered with; the cause stays as the log's inner detail.</summary>
    public static AgentChannelException Unavailable(Exception cause) => AgentChannelException.Unavailable(cause switch
    {
        TimeoutException => "The cluster did not answer in time (a silo may have just died); retry shortly.",
        NpgsqlException or SqliteException => "Storage is busy or unreachable just now; retry shortly.",
        _ => "The cluster could not serve the request just now (a silo may have just died); retry shortly.",
    });

    /// <summary>
    /// The domain error a front door answers for what a call threw: the grain's own, <c>unavailable</c> for a failure
    /// that passes, or null for a failure of ours (logged, answered as internal).
    /// </summary>
    public static AgentChannelException? DomainErrorOf(Exception exception) => exception switch
    {
        AgentChannelException error => error,
        _ when IsTransient(exception) => Unavailable(exception),
        _ => null,
    };

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
}
