using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// The PostgreSQL database every silo of a cluster shares: one pooled <see cref="NpgsqlDataSource"/> for our
/// tables, the connection string for Orleans' ADO.NET providers, and the schema scripts (Orleans' query
/// contract and our tables), applied idempotently in file-name order.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable
{
    /// <summary>Serialises schema scripts when several silos start at once (an arbitrary, fixed key).</summary>
    private const long SchemaLockKey = 0x4167_656E_7443_6831;

    private readonly ILogger<PostgresDatabase> _logger;

    public PostgresDatabase(IOptions<StorageOptions> options, ILogger<PostgresDatabase> logger)
    {
        _logger = logger;
        ConnectionString = new NpgsqlConnectionStringBuilder(options.Value.PostgresConnectionString
            ?? throw new InvalidOperationException($"{StorageOptions.Section}:PostgresConnectionString is not set."))
        {
            MaxPoolSize = options.Value.PostgresMaxPoolSize,
        }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    /// <summary>Also handed to Orleans' ADO.NET providers (invariant "Npgsql"), which open their own connections.</summary>
    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The ADO.NET invariant Orleans' providers know Npgsql by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The scripts this build applies, in order (embedded from Storage/Sql/PostgreSQL).</summary>
    public static IReadOnlyList<string> ScriptNames { get; } = typeof(PostgresDatabase).Assembly.GetManifestResourceNames()
        .Where(name => name.StartsWith("PostgreSQL/", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Runs a read on a pooled connection.</summary>
    public async Task<T> Read<T>(Func<NpgsqlConnection, Task<T>> read)
    {
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    /// <summary>Runs a write in its own transaction; completes after the commit.</summary>
    public async Task<T> Write<T>(Func<NpgsqlTransaction, Task<T>> write)
    {
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var result = await write(transaction).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return result;
    }

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

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

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
