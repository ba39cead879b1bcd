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
/// Applies the SQLite schema before any storage provider (Orleans' or ours) touches the file. It holds the data
/// directory's lock, taken when the host was put together, and lets go of it when the host is disposed.
/// </summary>
internal sealed class SqliteSchemaInitializer(SqliteDatabase database, DataDirectoryLock dataDirectory) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SqliteSchemaInitializer), ServiceLifecycleStage.RuntimeInitialize, _ =>
        {
            database.ApplySchema();
            return Task.CompletedTask;
        });

    public void Dispose() => dataDirectory.Dispose();
}
