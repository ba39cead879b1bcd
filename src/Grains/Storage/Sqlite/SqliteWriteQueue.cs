using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// Group commit for the message log and the query tables. SQLite has one writer, and a transaction per
/// row tops out at a few thousand rows/s; here every write waiting when the writer comes round shares one
/// transaction. Each caller's task completes only after the transaction that holds its write commits, so
/// "returned" still means "stored". A write that throws fails alone: its batch is rolled back and run again
/// with a savepoint around each write, and the rest of it commits.
/// </summary>
public sealed partial class SqliteWriteQueue : IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly ILogger<SqliteWriteQueue> _logger;
    private readonly int _maxBatch;
    private readonly Channel<PendingWrite> _pending = Channel.CreateUnbounded<PendingWrite>(
        new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteWriteQueue(SqliteDatabase database, IOptions<StorageOptions> options, ILogger<SqliteWriteQueue> logger)
    {
        _database = database;
        _logger = logger;
        _maxBatch = options.Value.MaxWriteBatch;
        _writer = Task.Run(WriteLoop);
    }

    /// <summary>
    /// Runs <paramref name="write"/> inside the next batch's transaction; completes after commit. It may run a
    /// second time (after its batch was rolled back for another write's failure), so it touches nothing but the transaction.
    /// </summary>
    public Task<T> Enqueue<T>(Func<SqliteTransaction, T> write)
    {
        var pending = new PendingWrite<T>(write);
        ObjectDisposedException.ThrowIf(!_pending.Writer.TryWrite(pending), this);
        return pending.Completion.Task;
    }

    public Task Enqueue(Action<SqliteTransaction> write) => Enqueue<bool>(transaction =>
    {
        write(transaction);
        return true;
    });

    private async Task WriteLoop()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        SqliteConnection? connection = null;
        try
        {
            while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                }
                MarkBatch(batch);
                connection ??= _database.Open();
                try
                {
                    CommitBatch(connection, batch);
                }
                catch (Exception exception)
                {
                    LogBatchFailed(exception, batch.Count);
                    foreach (var write in batch)
                    {
                        write.Fail(exception);
                    }
                    // A connection whose transaction could not finish is not trusted with the next one.
                    connection.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private static void CommitBatch(SqliteConnection connection, List<PendingWrite> batch)
    {
        if (TryCommitTogether(connection, batch) is { } failure)
        {
            if (batch.Count == 1)
            {
                batch[0].Fail(failure);
            }
            else
            {
                CommitEachInItsSavepoint(connection, batch);
            }
        }
    }

    /// <summary>
    /// The usual case: every write in one transaction, nothing around each (a savepoint and its release were two
    /// of a message's five statements). If a write throws, nothing of the attempt is kept and the caller goes again
    /// write by write. Returns what a write threw, or null once the batch committed.
    /// </summary>
    private static Exception? TryCommitTogether(SqliteConnection connection, List<PendingWrite> batch)
    {
        // BEGIN IMMEDIATE: take the write lock up front, so a busy database fails here, not mid-batch.
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var write in batch)
        {
            try
            {
                write.Execute(transaction);
            }
            catch (Exception exception)
            {
                return exception; // disposing the transaction rolls it back
            }
        }
        transaction.Commit();
        foreach (var write in batch)
        {
            write.Succeed();
        }
        return null;
    }

    /// <summary>A batch in which a write threw: each write in a savepoint of its own, so the one that throws fails alone.</summary>
    private static void CommitEachInItsSavepoint(SqliteConnection connection, List<PendingWrite> batch)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var succeeded = new List<PendingWrite>(batch.Count);
        foreach (var write in batch)
        {
            transaction.Statement("SAVEPOINT write").ExecuteNonQuery();
            try
            {
                write.Execute(transaction);
                transaction.Statement("RELEASE write").ExecuteNonQuery();
                succeeded.Add(write);
            }
            catch (Exception exception)
            {
                transaction.Statement("ROLLBACK TO write").ExecuteNonQuery();
                transaction.Statement("RELEASE write").ExecuteNonQuery();
                write.Fail(exception);
            }
        }
        transaction.Commit();
        foreach (var write in succeeded)
        {
            write.Succeed();
        }
    }

    private static void MarkBatch(List<PendingWrite> batch) =>
        StorageSpan.MarkBatch(batch, static (write, size, began) => write.Trace.Batched(size, began));

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Error, "A batch of {Count} SQLite writes failed and was rolled back")]
    private partial void LogBatchFailed(Exception exception, int count);

    private abstract class PendingWrite
    {
        /// <summary>The caller's span, if it had one: the commit is recorded in its trace.</summary>
        public StorageSpan Trace = StorageSpan.Capture();

        public abstract void Execute(SqliteTransaction transaction);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<SqliteTransaction, T> write) : PendingWrite
    {
        private T? _result;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteTransaction transaction) => _result = write(transaction);

        public override void Succeed()
        {
            Trace.End("sqlite");
            Completion.TrySetResult(_result!);
        }

        public override void Fail(Exception exception)
        {
            Trace.End("sqlite", exception);
            Completion.TrySetException(exception);
        }
    }
}

internal static class SqliteCommands
{
    private const int MaxStatementsPerConnection = 64;

    // Keyed weakly by SQLite's connection handle, which a pooled SqliteConnection hands on to the next: the statements
    // go when their handle goes (closed with sqlite3_close_v2, which waits for them to be finalized).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, Dictionary<string, SqliteStatement>> Statements = new();

    /// <summary>
    /// A write inside <paramref name="transaction"/> through a statement kept per connection and SQL text, so it is
    /// parsed and planned once, not on every execution, and bound by position (<see cref="SqliteStatement"/>).
    /// </summary>
    public static SqliteStatement Statement(this SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var handle = transaction.Connection!.Handle!;
        var statements = Statements.GetOrCreateValue(handle);
        if (!statements.TryGetValue(sql, out var statement))
        {
            if (statements.Count >= MaxStatementsPerConnection)
            {
                foreach (var stale in statements.Values)
                {
                    stale.Dispose();
                }
                statements.Clear();
            }
            statement = new SqliteStatement(handle, sql);
            statements[sql] = statement;
        }
        return statement.Bind(parameters);
    }

    /// <summary>A command on the transaction's connection, enlisted in it, with named parameters bound.</summary>
    public static SqliteCommand Command(this SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Bind(parameters);
        return command;
    }

    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Bind(parameters);
        return command;
    }

    private static void Bind(this SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }
}
