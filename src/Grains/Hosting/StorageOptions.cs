using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orleans.AgentChannel.Hosting;

public enum StorageProvider
{
    /// <summary>One SQLite file: one silo on one machine (the default).</summary>
    Sqlite,

    /// <summary>PostgreSQL: several silos share grain state, reminders, membership and the query tables.</summary>
    PostgreSQL,
}

public enum SqliteSynchronous
{
    /// <summary>Committed writes survive a process crash; the last ones may be lost on power loss (WAL).</summary>
    Normal,

    /// <summary>Every commit is fsynced: survives power loss, slower.</summary>
    Full,
}

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

/// <summary>Checks that go beyond attributes: each provider's own required settings, with the key to set.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        switch (options.Provider)
        {
            case StorageProvider.Sqlite:
                return string.IsNullOrWhiteSpace(options.SqlitePath)
                    ? ValidateOptionsResult.Fail($"{StorageOptions.Section}:SqlitePath is required when {StorageOptions.Section}:Provider is Sqlite.")
                    : ValidateOptionsResult.Success;
            case StorageProvider.PostgreSQL:
                if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                {
                    return ValidateOptionsResult.Fail(
                        $"{StorageOptions.Section}:PostgresConnectionString is required when {StorageOptions.Section}:Provider is PostgreSQL " +
                        "(for example Host=127.0.0.1;Port=5432;Database=agentchannel;Username=agentchannel;Password=...).");
                }
                try
                {
                    var parsed = new Npgsql.NpgsqlConnectionStringBuilder(options.PostgresConnectionString);
                    if (string.IsNullOrEmpty(parsed.Host) || string.IsNullOrEmpty(parsed.Database))
                    {
                        return ValidateOptionsResult.Fail(
                            $"{StorageOptions.Section}:PostgresConnectionString must name a Host and a Database.");
                    }
                }
                catch (ArgumentException exception)
                {
                    return ValidateOptionsResult.Fail(
                        $"{StorageOptions.Section}:PostgresConnectionString is not a valid Npgsql connection string: {exception.Message}");
                }
                return ValidateOptionsResult.Success;
            default:
                return ValidateOptionsResult.Fail(
                    $"{StorageOptions.Section}:Provider must be Sqlite or PostgreSQL (was '{options.Provider}').");
        }
    }
}

/// <summary>Size limits on what agents send (<c>AgentChannel:Limits</c>); exceeding one is a 413.</summary>
public sealed class LimitsOptions
{
    public const string Section = "AgentChannel:Limits";

    [Range(1, int.MaxValue)] public int MaxContentChars { get; set; } = 64 * 1024;
    [Range(2, int.MaxValue)] public int MaxMetadataBytes { get; set; } = 16 * 1024;
    [Range(2, int.MaxValue)] public int MaxMemoryValueBytes { get; set; } = 256 * 1024;
    [Range(2, int.MaxValue)] public int MaxTaskResultBytes { get; set; } = 256 * 1024;
    [Range(2, int.MaxValue)] public int MaxRequirementsBytes { get; set; } = 16 * 1024;
    [Range(1, int.MaxValue)] public int MaxTitleChars { get; set; } = 200;
    [Range(1, int.MaxValue)] public int MaxDescriptionChars { get; set; } = 16 * 1024;
    [Range(1, 10_000)] public int MaxRecipients { get; set; } = 256;
    [Range(1, 1_000)] public int MaxCapabilities { get; set; } = 64;
    [Range(1, 10_000)] public int MaxPageSize { get; set; } = 500;

    /// <summary>Tasks one task may depend on (<c>depends_on</c>).</summary>
    [Range(1, 10_000)] public int MaxDependencies { get; set; } = 100;

    /// <summary>Tasks that may depend on one task: each is kept in its grain state, to be told when it closes.</summary>
    [Range(1, 100_000)] public int MaxDependents { get; set; } = 1_000;

    /// <summary>Members of one channel: each is kept in the channel's grain state and gets every post.</summary>
    [Range(1, 100_000)] public int MaxChannelMembers { get; set; } = 10_000;

    /// <summary>Versions of a memory key its history keeps (the current one included).</summary>
    [Range(1, 100_000)] public int MemoryHistoryVersions { get; set; } = 100;

    /// <summary>memory:updated carries the value only up to this size; larger values are fetched with memory:get.</summary>
    [Range(0, int.MaxValue)] public int MaxMemoryEventValueBytes { get; set; } = 16 * 1024;

    /// <summary>How often keys with a time-to-live are checked for expiry.</summary>
    [Range(0.05, 3600)] public double MemoryExpirySweepSeconds { get; set; } = 1;

    /// <summary>
    /// How often stored messages still owed to an inbox (their first delivery failed) are delivered again, and how
    /// old a message must be before that: the sender's own attempt has had this long.
    /// </summary>
    [Range(0.05, 3600)] public double MessageRedeliverySeconds { get; set; } = 5;
}

/// <summary>Agent lifecycle (<c>AgentChannel:Agents</c>).</summary>
public sealed class AgentsOptions
{
    public const string Section = "AgentChannel:Agents";

    /// <summary>
    /// An agent offline for longer than this is retired automatically (as <c>DELETE /api/agents/{id}</c> would);
    /// 0, the default, never retires anyone.
    /// </summary>
    [Range(0, 10 * 365 * 86_400.0)]
    public double RetireOfflineAfterSeconds { get; set; }

    /// <summary>How often each silo looks for agents to retire (when <see cref="RetireOfflineAfterSeconds"/> is set).</summary>
    [Range(0.05, 86_400)]
    public double RetireSweepSeconds { get; set; } = 60;
}

/// <summary>Presence (<c>AgentChannel:Presence</c>).</summary>
public sealed class PresenceOptions
{
    public const string Section = "AgentChannel:Presence";

    /// <summary>An agent with no live connection and no heartbeat for this long goes offline (agent:left).</summary>
    [Range(0.2, 86_400)]
    public double OfflineAfterSeconds { get; set; } = 30;

    public TimeSpan OfflineAfter => TimeSpan.FromSeconds(OfflineAfterSeconds);

    /// <summary>
    /// Presence changes within this interval reach each listening agent as one batch (its latest change per agent),
    /// so a burst of joins costs a push per listener per interval, not one per join.
    /// </summary>
    [Range(10, 10_000)]
    public int BatchMilliseconds { get; set; } = 200;

    public TimeSpan BatchInterval => TimeSpan.FromMilliseconds(BatchMilliseconds);
}

/// <summary>
/// Reminders (<c>AgentChannel:Recovery</c>): the durable backstop for work whose clock lives in a grain's memory (a task's
/// lease or queue place, an agent's presence timeout, a memory key's expiry). When the silo holding such a grain dies, or
/// the server restarts, the grain's reminder wakes it on a live silo within one period.
/// </summary>
public sealed class RecoveryOptions
{
    public const string Section = "AgentChannel:Recovery";

    /// <summary>How often a reminder wakes its grain; the longest a duty of a dead silo waits to be taken up again.</summary>
    [Range(1, 86_400)]
    public double ReminderSeconds { get; set; } = 60;

    public TimeSpan ReminderPeriod => TimeSpan.FromSeconds(ReminderSeconds);
}

/// <summary>The event streams (<c>AgentChannel:Streaming</c>).</summary>
public sealed class StreamingOptions
{
    public const string Section = "AgentChannel:Streaming";

    /// <summary>How often stream queues are polled; the push latency floor.</summary>
    [Range(1, 1000)]
    public int PollMilliseconds { get; set; } = 10;

    /// <summary>Stream queues; each costs a polling agent, so one process needs few.</summary>
    [Range(1, 64)]
    public int Queues { get; set; } = 2;
}

public enum DependencyFailurePolicy
{
    /// <summary>Dependents stay blocked, with the reason, until someone changes them.</summary>
    Block,

    /// <summary>Dependents fail too (and so do theirs).</summary>
    Fail,
}

/// <summary>The task engine (<c>AgentChannel:Tasks</c>).</summary>
public sealed class TaskOptions
{
    public const string Section = "AgentChannel:Tasks";

    /// <summary>Tasks the engine (or a claim) gives one agent at a time.</summary>
    [Range(1, 10_000)] public int MaxActivePerAgent { get; set; } = 4;

    /// <summary>How long an assignment holds without a heartbeat or progress from the assignee.</summary>
    [Range(0.2, 86_400)] public double LeaseSeconds { get; set; } = 120;

    /// <summary>Releases (agent gone, lease expired) after which a task fails instead of queueing again.</summary>
    [Range(1, 1000)] public int MaxAttempts { get; set; } = 3;

    public DependencyFailurePolicy DependencyFailure { get; set; } = DependencyFailurePolicy.Block;

    /// <summary>How often a queue with waiting tasks looks again for free, capable agents.</summary>
    [Range(10, 60_000)] public int DispatchIntervalMilliseconds { get; set; } = 500;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}

/// <summary>Idempotency keys (<c>AgentChannel:Idempotency</c>): how long and how many a grain remembers.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "AgentChannel:Idempotency";

    /// <summary>How long a keyed write's answer is kept for repeats (at least; message and task ids stay derived from the key for good).</summary>
    [Range(0.001, 24 * 365)] public double WindowHours { get; set; } = 24;

    /// <summary>
    /// Keyed answers one entity (a task, a memory key, a channel) keeps within the window; the oldest go first. They are
    /// part of its grain state, so this bounds that state.
    /// </summary>
    [Range(1, 10_000)] public int MaxKeysPerEntity { get; set; } = 64;

    public TimeSpan Window => TimeSpan.FromHours(WindowHours);
}
