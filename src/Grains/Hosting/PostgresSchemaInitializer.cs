using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Storage.Postgres;

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
