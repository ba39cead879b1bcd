using Npgsql;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Postgres;

/// <summary>
/// One process's share of the server's connections (<see cref="StorageOptions.PostgresMaxConnections"/>), split
/// between its pools so that together they never hold more: a silo's writers, Orleans' providers and its reads; a
/// front end in client mode only has Orleans' clustering. Every pool's connections carry the process's
/// application_name, so pg_stat_activity shows what each process holds.
/// </summary>
public sealed record PostgresConnectionBudget(string BaseConnectionString, string ApplicationName, int Writers, int Orleans, int Reads)
{
    /// <summary>A silo: writers as configured (leaving at least one for each other pool), the rest halved between Orleans and reads.</summary>
    public static PostgresConnectionBudget ForSilo(StorageOptions options)
    {
        var total = options.PostgresMaxConnections;
        var writers = Math.Clamp(options.PostgresWriterConnections, 1, total - 2);
        var orleans = Math.Max(1, (total - writers) / 2);
        return new PostgresConnectionBudget(ConnectionStringOf(options), ApplicationNameOf(options, "silo"), writers, orleans, total - writers - orleans);
    }

    /// <summary>A cluster client (a front end in client mode): the whole budget to Orleans' clustering.</summary>
    public static PostgresConnectionBudget ForClient(StorageOptions options) =>
        new(ConnectionStringOf(options), ApplicationNameOf(options, "client"), 0, options.PostgresMaxConnections, 0);

    public int Total => Writers + Orleans + Reads;

    /// <summary>The configured connection string with this process's application_name and a pool of <paramref name="maxPoolSize"/>.</summary>
    public string ConnectionString(int maxPoolSize) => new NpgsqlConnectionStringBuilder(BaseConnectionString)
    {
        ApplicationName = ApplicationName,
        MaxPoolSize = maxPoolSize,
        MinPoolSize = 0,
    }.ConnectionString;

    /// <summary>
    /// For our own pools: as <see cref="ConnectionString(int)"/>, with statements prepared on each connection once
    /// used twice (ours are a fixed set of texts; parsing and planning the batch statements was a large share of a write).
    /// </summary>
    public string PreparingConnectionString(int maxPoolSize) => new NpgsqlConnectionStringBuilder(ConnectionString(maxPoolSize))
    {
        MaxAutoPrepare = 64,
        AutoPrepareMinUsages = 2,
    }.ConnectionString;

    private static string ConnectionStringOf(StorageOptions options) =>
        options.PostgresConnectionString
        ?? throw new InvalidOperationException($"{StorageOptions.Section}:PostgresConnectionString is not set.");

    private static string ApplicationNameOf(StorageOptions options, string role)
    {
        if (!string.IsNullOrWhiteSpace(options.PostgresApplicationName))
        {
            return options.PostgresApplicationName;
        }
        var configured = new NpgsqlConnectionStringBuilder(ConnectionStringOf(options)).ApplicationName;
        return string.IsNullOrWhiteSpace(configured) ? $"agentchannel-{role}-{Environment.ProcessId}" : configured;
    }
}
