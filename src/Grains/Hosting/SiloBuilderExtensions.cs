using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Health;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Storage.Postgres;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.Tls;
using Orleans.AgentChannel.Webhooks;
using Orleans.Configuration;
using Orleans.Storage;

namespace Orleans.AgentChannel.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Everything a silo needs to host AgentChannel: options, the storage (schema applied before Orleans'
    /// storage starts), the query tables and message log, and the grain storage for grain state.
    /// </summary>
    public static ISiloBuilder AddAgentChannel(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AgentsOptions>().Bind(configuration.GetSection(AgentsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection(PresenceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TaskOptions>().Bind(configuration.GetSection(TaskOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RecoveryOptions>().Bind(configuration.GetSection(RecoveryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // Orleans refuses periods under its minimum (a minute): ours is the setting, shorter in tests.
        services.AddOptions<ReminderOptions>().Configure<IOptions<RecoveryOptions>>((reminders, recovery) =>
            reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(reminders.MinimumReminderPeriod.Ticks, recovery.Value.ReminderPeriod.Ticks)));
        services.AddOptions<StreamingOptions>().Bind(configuration.GetSection(StreamingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PluginOptions>().Bind(configuration.GetSection(PluginOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ArtifactOptions>().Bind(configuration.GetSection(ArtifactOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Idempotency.IdempotencyLedger>();
        services.AddGrainInterfaceTypeCache();
        services.TryAddSingleton<OperatorToken>();
        silo.AddIncomingGrainCallFilter<ClientCallVerification>();
        silo.AddIncomingGrainCallFilter<TransientFaultTranslation>();
        silo.AddClusterDashboard(configuration);
        services.AddAgentChannelTracing(configuration);
        if (TracingOptions.From(configuration).IsOn)
        {
            // Off, no filter runs: a grain call pays nothing for tracing (docs/architecture.md, "Traces").
            silo.AddActivityPropagation();
        }
        // Here rather than with clustering: every silo, embedded or standalone, takes its transport from the same settings.
        silo.UseClusterTls(configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions());

        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddAgentChannelPlugins(configuration);

        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider == StorageProvider.PostgreSQL)
        {
            silo.AddPostgresStorage();
        }
        else
        {
            silo.AddSqliteStorage(storage);
        }
        services.AddKeyedSingleton<IGrainStorage, TaskStateStorage>(TaskStateStorage.Name);
        services.AddKeyedSingleton<IGrainStorage, AgentStateStorage>(AgentStateStorage.Name);
        services.AddKeyedSingleton<IGrainStorage, ChannelStateStorage>(ChannelStateStorage.Name);
        services.AddKeyedSingleton<IGrainStorage, MemoryStateStorage>(MemoryStateStorage.Name);
        services.AddKeyedSingleton<IGrainStorage, WebhookStateStorage>(WebhookStateStorage.Name);
        services.AddKeyedSingleton<IGrainStorage, GrainStateStorage>(GrainStateStorage.Name);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MemoryExpiry>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StaleAgentRetirement>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Messages.MessageRedelivery>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, AssignmentPoolRestore>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Artifacts.ArtifactRetention>();

        var streaming = configuration.GetSection(StreamingOptions.Section).Get<StreamingOptions>() ?? new StreamingOptions();
        // The default 100 ms poll misses a 25 ms p99 by 4-9x (docs/measurements.md); 10 ms meets it at ~10 % of a core idle.
        silo.AddMemoryStreams(AgentChannelStreams.ProviderName, streams =>
        {
            streams.ConfigurePartitioning(streaming.Queues);
            streams.ConfigurePullingAgent(agent => agent.Configure(options =>
                options.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streaming.PollMilliseconds)));
        });
        return silo;
    }

    /// <summary>
    /// One machine: the SQLite file holds grain state and the query tables, all written by the one writer
    /// (<see cref="SqliteWriteQueue"/>); subscriptions live in memory.
    /// </summary>
    private static void AddSqliteStorage(this ISiloBuilder silo, StorageOptions configured)
    {
        var services = silo.Services;
        // One process per data directory, settled while the host is put together: a second one stops here, before
        // it has started anything or touched the database.
        var dataDirectory = DataDirectoryLock.Acquire(configured.SqlitePath);
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteWriteQueue>();
        services.AddSingleton<IGrainStates, SqliteGrainStates>();
        services.AddSingleton<IAgentIndex, SqliteAgentIndex>();
        services.AddSingleton<ITaskIndex, SqliteTaskIndex>();
        services.AddSingleton<IMessageLog, SqliteMessageLog>();
        services.AddSingleton<IMemoryIndex, SqliteMemoryIndex>();
        services.AddSingleton<IChannelIndex, SqliteChannelIndex>();
        services.AddSingleton<IInbox, SqliteInbox>();
        services.AddSingleton<IWebhookStore, SqliteWebhookStore>();
        services.AddSingleton<Artifacts.IArtifactStore, SqliteArtifactStore>();
        services.AddSingleton<IStatsStore, SqliteStatsStore>();
        services.AddSingleton<IStorageProbe, SqliteStorageProbe>();
        // Made by the container, so the container disposes it (and the lock) with the host.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider =>
            new SqliteSchemaInitializer(provider.GetRequiredService<SqliteDatabase>(), dataDirectory));
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SqliteSingleSilo>();

        // Read only: the state of grains stored before it moved to our tables, until their next write.
        silo.AddAdoNetGrainStorage(AgentChannelStorage.Name, (OptionsBuilder<AdoNetGrainStorageOptions> storage) => storage
            .Configure<SqliteDatabase, Orleans.Serialization.Serializer>((options, database, serializer) =>
            {
                options.Invariant = "System.Data.SQLite";
                options.DataSource = database.DataSource;
                // Orleans' own serializer keyed by [Alias]: renaming or moving a state class keeps old rows readable.
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        // One process: subscriptions live and die with it.
        silo.AddMemoryGrainStorage("PubSubStore");
        silo.AddReminders();
        services.AddSingleton<IReminderTable, SqliteReminderTable>();
    }

    /// <summary>
    /// A cluster: grain state with the query tables (our storage), and stream subscriptions (PubSubStore), reminders
    /// and membership through Orleans' ADO.NET providers, all in the shared PostgreSQL database. Subscriptions are
    /// state of the pub-sub grains; held in memory they would vanish with the silo that hosted them, and gateways
    /// would stop receiving events published after it died.
    /// </summary>
    private static void AddPostgresStorage(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddSingleton<PostgresDatabase>();
        services.AddSingleton<IGrainStates, PostgresGrainStates>();
        services.AddSingleton<IAgentIndex, PostgresAgentIndex>();
        services.AddSingleton<ITaskIndex, PostgresTaskIndex>();
        services.AddSingleton<IMessageLog, PostgresMessageLog>();
        services.AddSingleton<IMemoryIndex, PostgresMemoryIndex>();
        services.AddSingleton<IChannelIndex, PostgresChannelIndex>();
        services.AddSingleton<IInbox, PostgresInbox>();
        services.AddSingleton<IWebhookStore, PostgresWebhookStore>();
        services.AddSingleton<Artifacts.IArtifactStore, PostgresArtifactStore>();
        services.AddSingleton<IStatsStore, PostgresStatsStore>();
        services.AddSingleton<IStorageProbe, PostgresStorageProbe>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PostgresSchemaInitializer>();

        foreach (var name in new[] { AgentChannelStorage.Name, "PubSubStore" })
        {
            silo.AddAdoNetGrainStorage(name, (OptionsBuilder<AdoNetGrainStorageOptions> storage) => storage
                .Configure<PostgresDatabase, Orleans.Serialization.Serializer>((options, database, serializer) =>
                {
                    options.Invariant = PostgresDatabase.Invariant;
                    options.ConnectionString = database.ConnectionString;
                    options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                }));
        }
        silo.UseAdoNetReminderService((OptionsBuilder<AdoNetReminderTableOptions> reminders) => reminders
            .Configure<PostgresDatabase>((options, database) =>
            {
                options.Invariant = PostgresDatabase.Invariant;
                options.ConnectionString = database.ConnectionString;
            }));
    }
}
