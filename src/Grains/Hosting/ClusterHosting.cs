using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage.Postgres;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tls;
using Orleans.Configuration;

namespace Orleans.AgentChannel.Hosting;

public static class ClusterHosting
{
    /// <summary>Orleans' membership options, bound as they are named (<c>ProbeTimeout</c>, <c>NumMissedProbesLimit</c>, ...).</summary>
    public const string MembershipSection = "AgentChannel:Membership";

    /// <summary>Orleans' silo messaging options (<c>ResponseTimeout</c> of silo-to-silo calls, ...), bound as named.</summary>
    public const string MessagingSection = "AgentChannel:Messaging";

    /// <summary>
    /// Clustering by the storage provider: one SQLite silo uses localhost clustering; on PostgreSQL, Orleans'
    /// ADO.NET membership table in the shared database, so silos find each other and notice when one dies.
    /// </summary>
    public static ISiloBuilder UseAgentChannelClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        var options = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider != StorageProvider.PostgreSQL)
        {
            return silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }

        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        if (string.IsNullOrWhiteSpace(options.AdvertisedAddress))
        {
            silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        }
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(MembershipSection));
        silo.Services.Configure<SiloMessagingOptions>(configuration.GetSection(MessagingSection));
        return silo.UseAdoNetClustering((OptionsBuilder<AdoNetClusteringSiloOptions> clustering) => clustering
            .Configure<PostgresDatabase>((clusteringOptions, database) =>
            {
                clusteringOptions.Invariant = PostgresDatabase.Invariant;
                clusteringOptions.ConnectionString = database.ConnectionString;
            }));
    }

    /// <summary>
    /// A cluster client for a front end without a silo: finds the gateways in the membership table on
    /// PostgreSQL (it connects to all of them and survives losing one), or the one local silo's gateway.
    /// </summary>
    public static IClientBuilder UseAgentChannelCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var services = client.Services;
        services.AddGrainInterfaceTypeCache();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ClusterClientOptions>().Bind(configuration.GetSection(ClusterClientOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection(PresenceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        var operatorToken = configuration[OperatorToken.Setting];
        if (string.IsNullOrWhiteSpace(operatorToken))
        {
            throw new OptionsValidationException(OperatorToken.Setting, typeof(string),
                [$"{OperatorToken.Setting} is required in client mode: set it to the operator token the silos are configured with (they accept a front end's calls only with it)."]);
        }
        client.PresentOperatorToken(operatorToken);
        client.AddOutgoingGrainCallFilter<UnavailableRetry>();
        client.AddClusterDashboard(configuration);
        services.AddAgentChannelTracing(configuration);
        if (TracingOptions.From(configuration).IsOn)
        {
            client.AddActivityPropagation();
        }
        client.UseClusterTls(configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions());

        var options = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        var clientOptions = configuration.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>() ?? new ClusterClientOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(clientOptions.ResponseTimeoutSeconds));
        client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(clientOptions.GatewayListRefreshSeconds));
        // Subscribe-only: the silos' pulling agents deliver to this client's observers.
        client.AddMemoryStreams(AgentChannelStreams.ProviderName);
        if (storage.Provider != StorageProvider.PostgreSQL)
        {
            return client.UseLocalhostClustering(options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        return client.UseAdoNetClustering((OptionsBuilder<AdoNetClusteringClientOptions> clustering) => clustering
            .Configure<IOptions<StorageOptions>>((clusteringOptions, configured) =>
            {
                clusteringOptions.Invariant = PostgresDatabase.Invariant;
                var budget = PostgresConnectionBudget.ForClient(configured.Value);
                clusteringOptions.ConnectionString = budget.ConnectionString(budget.Orleans);
            }));
    }

    /// <summary>
    /// Presents the operator token with every grain call of this client: a front end acting for the agents it
    /// authenticated, or a tool acting as the operator. Silos refuse a client's calls without a valid token.
    /// </summary>
    public static IClientBuilder PresentOperatorToken(this IClientBuilder client, string operatorToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operatorToken);
        return client.AddOutgoingGrainCallFilter(async context =>
        {
            // Set inside this async lambda: the caller's context is left as it was.
            using var presented = ClusterCredential.Present(operatorToken);
            await context.Invoke();
        });
    }

    /// <summary>
    /// Creates or upgrades the configured database's schema and returns: what <c>Silo --init-db</c> runs, for
    /// operators who apply schema changes as a step of their own (then set ApplySchemaOnStart=false).
    /// </summary>
    public static async Task<string> ApplySchema(IConfiguration configuration, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var validation = new StorageOptionsValidator().Validate(null, storage);
        if (validation.Failed)
        {
            throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions), validation.Failures);
        }
        if (storage.Provider == StorageProvider.PostgreSQL)
        {
            await using var database = new PostgresDatabase(Options.Create(storage), loggers.CreateLogger<PostgresDatabase>());
            await database.ApplySchema(cancellationToken);
            var parsed = new NpgsqlConnectionStringBuilder(database.ConnectionString);
            return $"PostgreSQL {parsed.Host}:{parsed.Port}/{parsed.Database}";
        }
        var sqlite = new SqliteDatabase(Options.Create(storage), loggers.CreateLogger<SqliteDatabase>());
        using (DataDirectoryLock.Acquire(sqlite.FilePath))
        {
            sqlite.ApplySchema();
        }
        return $"SQLite {sqlite.FilePath}";
    }
}
