using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Where and how state is stored (<c>AgentChannel:Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "AgentChannel:Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The SQLite file; relative paths are resolved against the working directory.</summary>
    public string SqlitePath { get; set; } = Path.Combine("data", "agentchannel.db");

    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>How long a statement waits for SQLite's single write lock before failing.</summary>
    [Range(1, 600)]
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>Most log/query-table writes committed in one transaction (group commit).</summary>
    [Range(1, 100_000)]
    public int MaxWriteBatch { get; set; } = 1000;

    /// <summary>
    /// The PostgreSQL database when <see cref="Provider"/> is PostgreSQL, as an Npgsql connection string
    /// (<c>Host=...;Port=5432;Database=...;Username=...;Password=...</c>).
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// Connections this process holds to PostgreSQL at most, all pools together (replaces Maximum Pool Size in the
    /// connection string). A silo splits it: <see cref="PostgresWriterConnections"/> for its group-committing
    /// writers, the rest halved between Orleans' ADO.NET providers (clustering, reminders, grain storage share one
    /// pool) and its reads; a front end in client mode gives it all to clustering. A full pool waits up to the
    /// connection string's Timeout (15 s by default) for a connection. Every process's budget together must stay
    /// under the server's max_connections less its reserved slots (docs/deployment.md has the arithmetic).
    /// </summary>
    [Range(3, 1000)]
    public int PostgresMaxConnections { get; set; } = 16;

    /// <summary>
    /// Connections of the budget that group-commit writes (each holds one transaction at a time, many writes in it).
    /// More writers commit in parallel but take row locks in more orders (a lost deadlock costs a batch a rerun).
    /// </summary>
    [Range(1, 64)]
    public int PostgresWriterConnections { get; set; } = 2;

    /// <summary>
    /// The application_name of this process's connections (pg_stat_activity), so its connections can be counted; by
    /// default <c>agentchannel-silo-{pid}</c> or <c>agentchannel-client-{pid}</c>, unless the connection string sets one.
    /// </summary>
    public string? PostgresApplicationName { get; set; }

    /// <summary>Apply the schema scripts at start (safe to repeat). Off when an operator applies them with <c>--init-db</c>.</summary>
    public bool ApplySchemaOnStart { get; set; } = true;
}
