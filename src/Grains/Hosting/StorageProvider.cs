namespace Orleans.AgentChannel.Hosting;

public enum StorageProvider
{
    /// <summary>One SQLite file: one silo on one machine (the default).</summary>
    Sqlite,

    /// <summary>PostgreSQL: several silos share grain state, reminders, membership and the query tables.</summary>
    PostgreSQL,
}
