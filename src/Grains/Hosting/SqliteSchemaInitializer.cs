using Orleans.AgentChannel.Storage.Sqlite;

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
