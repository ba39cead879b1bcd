using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tasks;
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
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection(PresenceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TaskOptions>().Bind(configuration.GetSection(TaskOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StreamingOptions>().Bind(configuration.GetSection(StreamingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PluginOptions>().Bind(configuration.GetSection(PluginOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteWriteQueue>();
        services.AddSingleton<IAgentIndex, SqliteAgentIndex>();
        services.AddSingleton<ITaskIndex, SqliteTaskIndex>();
        services.AddSingleton<IMessageLog, SqliteMessageLog>();
        services.AddSingleton<IMemoryIndex, SqliteMemoryIndex>();
        services.AddSingleton<IChannelIndex, SqliteChannelIndex>();
        services.AddSingleton<IInbox, SqliteInbox>();
        services.AddSingleton<IWebhookStore, SqliteWebhookStore>();
        services.AddSingleton<IStatsStore, SqliteStatsStore>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SqliteSchemaInitializer>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PresenceRecovery>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MemoryExpiry>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TaskRecovery>();
        services.AddAgentChannelPlugins(configuration);

        silo.AddAdoNetGrainStorage(AgentChannelStorage.Name, (OptionsBuilder<AdoNetGrainStorageOptions> storage) => storage
            .Configure<SqliteDatabase, Orleans.Serialization.Serializer>((options, database, serializer) =>
            {
                options.Invariant = "System.Data.SQLite";
                options.ConnectionString = database.ConnectionString;
                // Orleans' own serializer keyed by [Alias]: renaming or moving a state class keeps old rows readable.
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));

        var streaming = configuration.GetSection(StreamingOptions.Section).Get<StreamingOptions>() ?? new StreamingOptions();
        // The default 100 ms poll misses a 25 ms p99 by 4-9x (DESIGN.md); 10 ms meets it at ~10 % of a core idle.
        silo.AddMemoryStreams(AgentChannelStreams.ProviderName, streams =>
        {
            streams.ConfigurePartitioning(streaming.Queues);
            streams.ConfigurePullingAgent(agent => agent.Configure(options =>
                options.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(streaming.PollMilliseconds)));
        });
        // One process: subscriptions live and die with it. A cluster makes this durable (scale-out issue).
        silo.AddMemoryGrainStorage("PubSubStore");
        return silo;
    }
}

internal static class PluginHosting
{
    /// <summary>
    /// The plugin runtime and what it runs: plugins registered in code (<c>AddAgentChannelPlugin&lt;T&gt;()</c>, before or
    /// after this call) and those found in the plugins folder, in that order.
    /// </summary>
    public static void AddAgentChannelPlugins(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PluginRuntime>();
        services.AddSingleton<AssignmentChooser>();
        services.AddSingleton<MessageInterception>();
        services.AddSingleton<EventSinkDispatcher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<EventSinkDispatcher>());
        services.AddWebhookHttpClient();
        services.AddAgentChannelPlugin(typeof(WebhookSink), "built in");
        if (configuration.GetSection(PluginOptions.Section).Get<PluginOptions>()?.Path is { Length: > 0 } folder)
        {
            foreach (var (type, source) in PluginFolder.Discover(folder))
            {
                services.AddAgentChannelPlugin(type, $"plugins folder: {source}");
            }
        }
    }
}

/// <summary>Applies the SQLite schema before any storage provider (Orleans' or ours) touches the file.</summary>
internal sealed class SqliteSchemaInitializer(SqliteDatabase database) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteSchemaInitializer), ServiceLifecycleStage.RuntimeInitialize, _ =>
        {
            database.ApplySchema();
            return Task.CompletedTask;
        });
}
