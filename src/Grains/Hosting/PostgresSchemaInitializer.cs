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
using Orleans.Hosting;
using Orleans.Storage;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Applies the PostgreSQL schema before anything reads Orleans' query table: a stage earlier than the
/// membership, storage and reminder providers initialise in. Off when an operator runs <c>--init-db</c> instead.
/// </summary>
internal sealed class PostgresSchemaInitializer(PostgresDatabase database, IOptions<StorageOptions> options) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaInitializer), ServiceLifecycleStage.First, cancellation =>
            options.Value.ApplySchemaOnStart ? database.ApplySchema(cancellation) : Task.CompletedTask);
}
