using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL, the counterpart of <c>SqliteWriteQueue</c>: every write waiting when one of a few
/// writer connections comes round shares that connection's next transaction, so a busy silo pays one commit (one
/// WAL flush) for many writes instead of one each. A caller's task completes only after the transaction holding its
/// write commits. A write that throws fails alone: its batch is rolled back and run again with a savepoint around
/// each write. A batch that loses a deadlock or a serialization conflict (another writer's locks, not its own
/// fault) is run again whole.
/// </summary>
/// <remarks>
/// The contract for a write: an async closure over the transaction that touches nothing but the transaction (no
/// grain state, no other connection), because it may run twice — again in a savepoint after another write of its
/// batch failed, or again whole after a deadlock. What it returns is taken from the run that committed.
/// </remarks>
public sealed partial class PostgresWriteQueue : IAsyncDisposable
{
    /// <summary>Runs of one batch that may lose to another transaction's locks before its writes fail.</summary>
    private const int MaxAttempts = 5;

    private readonly NpgsqlDataSource _connections;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _pending = Channel.CreateUnbounded<PendingWrite>();
    private readonly Task[] _writers;

    /// <param name="connections">The writers' own pool; each writer keeps one connection open.</param>
    public PostgresWriteQueue(NpgsqlDataSource connections, int writers, int maxBatch, ILogger logger)
    {
        _connections = connections;
        _maxBatch = maxBatch;
        _logger = logger;
        _writers = Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoop)).ToArray();
    }

    public Task<T> Enqueue<T>(Func<NpgsqlTransaction, Task<T>> write)
    {
        var pending = new PendingWrite<T>(write);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(pending), this);
        return pending.Completion.Task;
    }

    private async Task WriteLoop()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        NpgsqlConnection? connection = null;
        try
        {
            while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                }
                if (batch.Count == 0)
                {
                    continue; // another writer took them
                }
                MarkBatch(batch);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        // A full pool waits here (bounded by the connection string's Timeout) instead of failing.
                        connection ??= await _connections.OpenConnectionAsync().ConfigureAwait(false);
                        await CommitBatch(connection, batch).ConfigureAwait(false);
                        break;
                    }
                    catch (Exception exception) when (attempt < MaxAttempts && CanRunAgain(exception))
                    {
                        LogBatchRetried(exception, batch.Count, attempt);
                        if (exception is not PostgresException)
                        {
                            await DisposeQuietly(connection).ConfigureAwait(false);
                            connection = null;
                        }
                        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt))).ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        var cause = exception is OutcomeUnknownException unknown ? unknown.InnerException! : exception;
                        LogBatchFailed(cause, batch.Count);
                        foreach (var write in batch)
                        {
                            write.Fail(cause);
                        }
                        // A connection whose transaction could not finish is not trusted with the next one.
                        await DisposeQuietly(connection).ConfigureAwait(false);
                        connection = null;
                        break;
                    }
                }
            }
        }
        finally
        {
            await DisposeQuietly(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether a batch that threw may simply run again: nothing of it committed, and the cause was not one of its
    /// writes — a lost deadlock or serialization conflict, or a connection that broke before the commit.
    /// </summary>
    private static bool CanRunAgain(Exception exception) => exception switch
    {
        OutcomeUnknownException => false,
        PostgresException postgres => LostToAnotherTransaction(postgres),
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    private static bool LostToAnotherTransaction(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    /// <summary>Whether an exception a write threw is its own failure (else the whole batch's).</summary>
    private static bool IsWritesOwn(Exception exception) => exception switch
    {
        PostgresException postgres => !LostToAnotherTransaction(postgres),
        NpgsqlException => false, // the connection, not the write
        _ => true,
    };

    private static async Task CommitBatch(NpgsqlConnection connection, List<PendingWrite> batch)
    {
        if (await TryCommitTogether(connection, batch).ConfigureAwait(false) is { } failure)
        {
            if (batch.Count == 1)
            {
                batch[0].Fail(failure);
            }
            else
            {
                await CommitEachInItsSavepoint(connection, batch).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The usual case: every write in one transaction, nothing around each. If a write throws its own failure,
    /// nothing of the attempt is kept and the caller goes again write by write. Returns that failure, or null once
    /// the batch committed; a failure that is not a write's own is thrown.
    /// </summary>
    private static async Task<Exception?> TryCommitTogether(NpgsqlConnection connection, List<PendingWrite> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var counters = Counters.GetValue(transaction, _ => new BatchCounters());
        foreach (var write in batch)
        {
            try
            {
                await write.Execute(transaction).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsWritesOwn(exception))
            {
                await transaction.RollbackAsync().ConfigureAwait(false);
                return exception;
            }
        }
        await counters.Flush(transaction).ConfigureAwait(false);
        await Commit(transaction).ConfigureAwait(false);
        foreach (var write in batch)
        {
            write.Succeed();
        }
        return null;
    }

    /// <summary>A batch in which a write threw: each write in a savepoint of its own, so the one that throws fails alone.</summary>
    private static async Task CommitEachInItsSavepoint(NpgsqlConnection connection, List<PendingWrite> batch)
    {
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var counters = Counters.GetValue(transaction, _ => new BatchCounters());
        var succeeded = new List<PendingWrite>(batch.Count);
        var failed = new List<(PendingWrite Write, Exception Failure)>();
        foreach (var write in batch)
        {
            await transaction.SaveAsync("write").ConfigureAwait(false);
            var counted = counters.Count;
            try
            {
                await write.Execute(transaction).ConfigureAwait(false);
                await transaction.ReleaseAsync("write").ConfigureAwait(false);
                succeeded.Add(write);
            }
            catch (Exception exception) when (IsWritesOwn(exception))
            {
                await transaction.RollbackAsync("write").ConfigureAwait(false);
                counters.Truncate(counted);
                failed.Add((write, exception));
            }
        }
        await counters.Flush(transaction).ConfigureAwait(false);
        await Commit(transaction).ConfigureAwait(false);
        // Answered only now: had the commit failed, the batch would have run again and these with it.
        foreach (var (write, failure) in failed)
        {
            write.Fail(failure);
        }
        foreach (var write in succeeded)
        {
            write.Succeed();
        }
    }

    private static async Task Commit(NpgsqlTransaction transaction)
    {
        try
        {
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException exception) when (exception is not PostgresException)
        {
            // The server may have committed before the connection broke: running the batch again could store it twice.
            throw new OutcomeUnknownException(exception);
        }
    }

    private static async Task DisposeQuietly(NpgsqlConnection? connection)
    {
        if (connection is null)
        {
            return;
        }
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already broken; the pool drops it.
        }
    }

    private static void MarkBatch(List<PendingWrite> batch) =>
        StorageSpan.MarkBatch(batch, static (write, size, began) => write.Trace.Batched(size, began));

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Error, "A batch of {Count} PostgreSQL writes failed and was rolled back")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(LogLevel.Warning, "A batch of {Count} PostgreSQL writes lost to another transaction or its connection (attempt {Attempt}); running it again")]
    private partial void LogBatchRetried(Exception exception, int count, int attempt);

    /// <summary>
    /// The activity counters a batch's writes bump (<see cref="PostgresStatsStore.Count"/>), held back and written at
    /// the end of the batch: summed per row, in one statement, in row order. Written where each write counts them,
    /// two batches on two writers would lock the same hot rows (an agent's hour) in opposite orders and deadlock.
    /// </summary>
    internal static BatchCounters? CountersOf(NpgsqlTransaction transaction) =>
        Counters.TryGetValue(transaction, out var counters) ? counters : null;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NpgsqlTransaction, BatchCounters> Counters = new();

    internal sealed class BatchCounters
    {
        private readonly List<(long Hour, string Agent, long Sent, long Received, long MemoryWrites)> _counts = [];

        public int Count => _counts.Count;

        public void Add(long hour, string agent, long sent, long received, long memoryWrites) =>
            _counts.Add((hour, agent, sent, received, memoryWrites));

        /// <summary>Forgets what a write that was rolled back to its savepoint counted.</summary>
        public void Truncate(int count) => _counts.RemoveRange(count, _counts.Count - count);

        public async Task Flush(NpgsqlTransaction transaction)
        {
            if (_counts.Count == 0)
            {
                return;
            }
            var rows = _counts
                .GroupBy(count => (count.Hour, count.Agent))
                .Select(row => (row.Key.Hour, row.Key.Agent, Sent: row.Sum(c => c.Sent), Received: row.Sum(c => c.Received), Memory: row.Sum(c => c.MemoryWrites)))
                .OrderBy(row => row.Hour).ThenBy(row => row.Agent, StringComparer.Ordinal)
                .ToList();
            _counts.Clear();
            await using var upsert = transaction.Command(
                """
                INSERT INTO agent_activity_hours (hour, agent_key, messages_sent, messages_received, memory_writes)
                SELECT hour, agent_key, s, r, m FROM unnest(@hours, @agents, @sent, @received, @memory_writes) WITH ORDINALITY AS row(hour, agent_key, s, r, m, n)
                ORDER BY n
                ON CONFLICT (hour, agent_key) DO UPDATE SET
                    messages_sent = agent_activity_hours.messages_sent + excluded.messages_sent,
                    messages_received = agent_activity_hours.messages_received + excluded.messages_received,
                    memory_writes = agent_activity_hours.memory_writes + excluded.memory_writes
                """,
                ("hours", rows.Select(row => row.Hour).ToArray()), ("agents", rows.Select(row => row.Agent).ToArray()),
                ("sent", rows.Select(row => row.Sent).ToArray()), ("received", rows.Select(row => row.Received).ToArray()),
                ("memory_writes", rows.Select(row => row.Memory).ToArray()));
            await upsert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private sealed class OutcomeUnknownException(Exception inner) : Exception(inner.Message, inner);

    private abstract class PendingWrite
    {
        /// <summary>The caller's span, if it had one: the commit is recorded in its trace.</summary>
        public StorageSpan Trace = StorageSpan.Capture();

        public abstract Task Execute(NpgsqlTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<NpgsqlTransaction, Task<T>> write) : PendingWrite
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task Execute(NpgsqlTransaction transaction) => _result = await write(transaction).ConfigureAwait(false);

        public override void Succeed()
        {
            Trace.End("postgresql");
            Completion.TrySetResult(_result!);
        }

        public override void Fail(Exception exception)
        {
            Trace.End("postgresql", exception);
            Completion.TrySetException(exception);
        }
    }
}
