using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// The PostgreSQL database every silo of a cluster shares, within this process's connection budget
/// (<see cref="PostgresConnectionBudget"/>): a pooled <see cref="NpgsqlDataSource"/> for our reads, a few writer
/// connections that group-commit our writes (<see cref="PostgresWriteQueue"/>), the connection string for Orleans'
/// ADO.NET providers (one pool for all of them), and the schema scripts (Orleans' query contract and our tables),
/// applied idempotently in file-name order.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable
{
    /// <summary>Serialises schema scripts when several silos start at once (an arbitrary, fixed key).</summary>
    private const long SchemaLockKey = 0x4167_656E_7443_6831;

    private readonly ILogger<PostgresDatabase> _logger;
    private readonly NpgsqlDataSource _writerConnections;
    private readonly PostgresWriteQueue _writes;

    public PostgresDatabase(IOptions<StorageOptions> options, ILogger<PostgresDatabase> logger)
    {
        _logger = logger;
        Budget = PostgresConnectionBudget.ForSilo(options.Value);
        ConnectionString = Budget.ConnectionString(Budget.Orleans);
        DataSource = NpgsqlDataSource.Create(Budget.PreparingConnectionString(Budget.Reads));
        _writerConnections = NpgsqlDataSource.Create(Budget.PreparingConnectionString(Budget.Writers));
        _writes = new PostgresWriteQueue(_writerConnections, Budget.Writers, options.Value.MaxWriteBatch, logger);
    }

    /// <summary>How this process's connections are split.</summary>
    public PostgresConnectionBudget Budget { get; }

    /// <summary>
    /// For Orleans' ADO.NET providers (invariant "Npgsql"), which open their own connections: with the budget's
    /// share as Maximum Pool Size, and the same text for all of them, so they share one Npgsql pool.
    /// </summary>
    public string ConnectionString { get; }

    /// <summary>Our reads' pool.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The ADO.NET invariant Orleans' providers know Npgsql by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The scripts this build applies, in order (embedded from Storage/Sql/PostgreSQL).</summary>
    public static IReadOnlyList<string> ScriptNames { get; } = typeof(PostgresDatabase).Assembly.GetManifestResourceNames()
        .Where(name => name.StartsWith("PostgreSQL/", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Runs a read on a pooled connection (a full pool waits up to the connection string's Timeout).</summary>
    public async Task<T> Read<T>(Func<NpgsqlConnection, Task<T>> read)
    {
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a write in the next group-committed transaction of one of the writer connections; completes after that
    /// commit, or fails alone with what the write threw (the others of its batch commit). The write must touch
    /// nothing but the transaction: it may run twice (<see cref="PostgresWriteQueue"/>).
    /// </summary>
    public Task<T> Write<T>(Func<NpgsqlTransaction, Task<T>> write) => _writes.Enqueue(write);

    /// <inheritdoc cref="Write{T}"/>
    public Task Write(Func<NpgsqlTransaction, Task> write) => Write<bool>(async transaction =>
    {
        await write(transaction).ConfigureAwait(false);
        return true;
    });

    /// <summary>
    /// Creates the schema or brings it up to date; safe to run at every start and from several silos at once
    /// (one transaction under an advisory lock: another silo waits, then finds everything in place).
    /// </summary>
    public async Task ApplySchema(CancellationToken cancellationToken = default)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", SchemaLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var script in ScriptNames)
        {
            await using var command = new NpgsqlCommand(ReadScript(typeof(PostgresDatabase).Assembly, script), connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogSchemaApplied(connection.Host, connection.Database, ScriptNames.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync().ConfigureAwait(false);
        await _writerConnections.DisposeAsync().ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
    }

    private static string ReadScript(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(LogLevel.Information, "PostgreSQL storage ready on {Host}/{Database} ({Scripts} schema scripts applied)")]
    private partial void LogSchemaApplied(string? host, string database, int scripts);
}

internal static class PostgresCommands
{
    /// <summary>A command enlisted in the transaction, with named parameters bound (null becomes SQL NULL).</summary>
    public static NpgsqlCommand Command(this NpgsqlTransaction transaction, string sql, params (string Name, object? Value)[] parameters) =>
        Bind(new NpgsqlCommand(sql, transaction.Connection, transaction), parameters);

    public static NpgsqlCommand Command(this NpgsqlConnection connection, string sql, params (string Name, object? Value)[] parameters) =>
        Bind(new NpgsqlCommand(sql, connection), parameters);

    private static NpgsqlCommand Bind(NpgsqlCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    /// <summary>A filter condition that is only part of the query when its value is given, so NULLs never need a type.</summary>
    public static void AddFilter(this List<string> conditions, List<(string, object?)> parameters, string condition, string name, object? value)
    {
        if (value is not null)
        {
            conditions.Add(condition);
            parameters.Add((name, value));
        }
    }

    public static string Where(this List<string> conditions) =>
        conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
}
