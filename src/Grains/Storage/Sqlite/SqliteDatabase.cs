using System.Data.Common;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.Storage.Sqlite;

/// <summary>
/// The one SQLite file: its connection string, connections opened with our pragmas, and the schema scripts
/// (Orleans' tables and ours), applied idempotently in file-name order.
/// </summary>
public sealed partial class SqliteDatabase
{
    private readonly StorageOptions _options;
    private readonly ILogger<SqliteDatabase> _logger;
    private readonly string _synchronous;

    public SqliteDatabase(IOptions<StorageOptions> options, ILogger<SqliteDatabase> logger)
    {
        _options = options.Value;
        _logger = logger;
        FilePath = Path.GetFullPath(_options.SqlitePath);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = _options.BusyTimeoutSeconds,
        }.ToString();
        _synchronous = _options.SqliteSynchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
        DataSource = new PreparedDataSource(this);
    }

    public string FilePath { get; }

    public string ConnectionString { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        Prepare(connection);
        return connection;
    }

    /// <summary>
    /// Connections for Orleans' ADO.NET grain storage, opened the way ours are. It only reads now: the state of grains
    /// stored before their state moved to our tables (<see cref="GrainStateStorage"/>).
    /// </summary>
    public DbDataSource DataSource { get; }

    private void Prepare(SqliteConnection connection)
    {
        using var pragma = connection.CreateCommand();
        // SQLite's own busy handler: sleeps 1, 2, 5, ... 100 ms between tries. Only the writer writes, so in normal
        // running nothing waits; it is for another process holding the file (a backup, an operator's sqlite3).
        pragma.CommandText = $"PRAGMA synchronous = {_synchronous}; PRAGMA busy_timeout = {_options.BusyTimeoutSeconds * 1000};";
        pragma.ExecuteNonQuery();
    }

    private sealed class PreparedDataSource(SqliteDatabase database) : DbDataSource
    {
        public override string ConnectionString => database.ConnectionString;

        protected override DbConnection CreateDbConnection() => new PreparedConnection(database);
    }

    private sealed class PreparedConnection(SqliteDatabase database) : SqliteConnection(database.ConnectionString)
    {
        public override void Open()
        {
            base.Open();
            database.Prepare(this);
        }
    }

    /// <summary>
    /// Runs a read on a pooled connection off the caller's thread: SQLite calls block, and a grain's
    /// scheduler thread must never wait on I/O.
    /// </summary>
    public Task<T> Read<T>(Func<SqliteConnection, T> read) => Task.Run(() =>
    {
        using var connection = Open();
        return read(connection);
    });

    /// <summary>Creates the file and its schema, or brings an existing file up to date; safe to run every start.</summary>
    public void ApplySchema()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            // journal_mode is stored in the file: set once, every later connection reads in WAL mode.
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        var assembly = typeof(SqliteDatabase).Assembly;
        foreach (var script in assembly.GetManifestResourceNames()
                     .Where(name => name.StartsWith("Sqlite/", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = ReadScript(assembly, script);
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        AddColumnIfMissing(connection, "memory_keys", "expires_at", "INTEGER NULL");
        Execute(connection, "CREATE INDEX IF NOT EXISTS ix_memory_keys_expires ON memory_keys (expires_at) WHERE expires_at IS NOT NULL");
        // A task grain's state, in its row (TaskStateStorage); rows from before have none until the task's next write.
        AddColumnIfMissing(connection, "tasks", "state", "BLOB NULL");
        AddColumnIfMissing(connection, "tasks", "state_version", "INTEGER NULL");
        AddColumnIfMissing(connection, "tasks", "owes_notices", "INTEGER NOT NULL DEFAULT 0");
        Execute(connection, "CREATE INDEX IF NOT EXISTS ix_tasks_owes_notices ON tasks (id) WHERE owes_notices = 1");
        // A retried delivery of a task's inbox event is stored once per inbox.
        AddColumnIfMissing(connection, "inbox", "delivery_key", "TEXT NULL");
        Execute(connection, "CREATE UNIQUE INDEX IF NOT EXISTS ux_inbox_delivery_key ON inbox (agent_key, delivery_key) WHERE delivery_key IS NOT NULL");
        // Agent, channel, memory, webhook and memory-watch state, written with the grain's rows (GrainStateStorage);
        // grains stored before have none here until their next write.
        Execute(connection,
            """
            CREATE TABLE IF NOT EXISTS grain_states
            (
                grain_type TEXT    NOT NULL,
                grain_key  TEXT    NOT NULL,
                version    INTEGER NOT NULL,
                state      BLOB    NULL,
                PRIMARY KEY (grain_type, grain_key)
            )
            """);
        // The hash of the request that stored a keyed message (its id derived from sender and idempotency key).
        AddColumnIfMissing(connection, "messages", "request_hash", "TEXT NULL");
        // Set when the agent was retired: its row stays (found by id, name taken) but listings and assignment skip it.
        AddColumnIfMissing(connection, "agents", "retired_at", "INTEGER NULL");
        // A message sent to a capability keeps its address; its resolved recipients are in message_recipients as any others.
        AddColumnIfMissing(connection, "messages", "to_capability", "TEXT NULL");
        AddColumnIfMissing(connection, "messages", "role_mode", "TEXT NULL");
        // The ids of the artifacts a message carries (a JSON array; null for none); their tables are Sqlite/210-Artifacts.sql.
        AddColumnIfMissing(connection, "messages", "artifacts", "TEXT NULL");
        SqliteStatsStore.ApplySchema(connection);
        ApplyHistoryAudience(connection);
        ApplySearch(connection);
        LogSchemaApplied(FilePath);
    }

    /// <summary>
    /// Who may read a message in history besides its sender and recipients (Sql/PostgreSQL/160-PrivateHistory.sql is
    /// the same): a channel post's members at the time (<c>message_audience</c>, written with the post) and a task's
    /// creator and every agent ever assigned it (<c>task_parties</c>, written with the task's row). Created once and
    /// filled from what an older file holds: a post's audience from the inboxes it reached or still owes (members but
    /// the sender), a task's parties from its row.
    /// </summary>
    private static void ApplyHistoryAudience(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        bool Exists(string table)
        {
            using var command = connection.Command("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @name", ("@name", table));
            command.Transaction = transaction;
            return (long)command.ExecuteScalar()! != 0;
        }
        void Run(string sql)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        if (!Exists("message_audience"))
        {
            Run("""
                CREATE TABLE message_audience
                (
                    agent_key TEXT    NOT NULL,
                    seq       INTEGER NOT NULL,
                    PRIMARY KEY (agent_key, seq)
                ) WITHOUT ROWID;
                INSERT INTO message_audience (agent_key, seq)
                SELECT i.agent_key, i.message_seq FROM inbox i JOIN messages m ON m.seq = i.message_seq WHERE m.channel IS NOT NULL
                UNION
                SELECT o.agent_key, o.message_seq FROM owed_deliveries o JOIN messages m ON m.seq = o.message_seq WHERE m.channel IS NOT NULL;
                """);
        }
        if (!Exists("task_parties"))
        {
            Run("""
                CREATE TABLE task_parties
                (
                    agent_key TEXT NOT NULL,
                    task_id   TEXT NOT NULL,
                    PRIMARY KEY (agent_key, task_id)
                ) WITHOUT ROWID;
                INSERT INTO task_parties (agent_key, task_id)
                SELECT t.creator, t.id FROM tasks t
                UNION
                SELECT lower(json_extract(a.value, '$.agent')), t.id FROM tasks t, json_each(t.document, '$.assignments') AS a
                WHERE json_extract(a.value, '$.agent') IS NOT NULL;
                """);
        }
        transaction.Commit();
    }

    /// <summary>
    /// Full-text search (Sql/PostgreSQL/190-Search.sql is the same on PostgreSQL): <c>messages_fts</c>, FTS5 over
    /// <c>messages.content</c> with the log as its external content (rowid = seq), indexed in bulk up to
    /// <c>messages_fts_progress.indexed_seq</c> (<see cref="SqliteMessageLog"/> says when and why); <c>memory_search</c>,
    /// FTS5 over each live key and its current value (rowid = the <c>memory_keys</c> row's), written by
    /// <see cref="SqliteMemoryIndex"/> with the key's row. Created once, and filled from what an older file holds.
    /// </summary>
    /// <remarks>
    /// Releases before the bulk index kept <c>messages_fts</c> by an insert trigger, so such a file's index holds its
    /// whole log: its progress starts at the last message, and the trigger goes. A row deleted from the log leaves the
    /// index only if it was indexed (an FTS5 'delete' of a row it never held would corrupt it).
    /// </remarks>
    private static void ApplySearch(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        void Run(string sql)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        bool Exists(string table)
        {
            using var command = connection.Command("SELECT COUNT(*) FROM sqlite_master WHERE name = @name", ("@name", table));
            command.Transaction = transaction;
            return (long)command.ExecuteScalar()! != 0;
        }
        // remove_diacritics 0: words compare as PostgreSQL's 'simple' configuration compares them (case folded only).
        if (!Exists("messages_fts"))
        {
            Run("""
                CREATE VIRTUAL TABLE messages_fts USING fts5(content, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 0');
                INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
                """);
        }
        if (!Exists("messages_fts_progress"))
        {
            Run("""
                CREATE TABLE messages_fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_seq INTEGER NOT NULL);
                INSERT INTO messages_fts_progress (id, indexed_seq) VALUES (1, IFNULL((SELECT MAX(seq) FROM messages), 0));
                DROP TRIGGER IF EXISTS messages_fts_insert;
                DROP TRIGGER IF EXISTS messages_fts_delete;
                CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
                WHEN old.seq <= (SELECT indexed_seq FROM messages_fts_progress) BEGIN
                    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
                END;
                """);
        }
        if (!Exists("memory_search"))
        {
            Run("""
                CREATE VIRTUAL TABLE memory_search USING fts5(key, value, tokenize = 'unicode61 remove_diacritics 0');
                INSERT INTO memory_search (rowid, key, value)
                SELECT k.rowid, k.key, h.value FROM memory_keys k JOIN memory_history h ON h.key = k.key AND h.version = k.version;
                """);
        }
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>SQLite has no ADD COLUMN IF NOT EXISTS: columns added after a table first shipped go here.</summary>
    /// <returns>Whether the column was added (the file is older than the column).</returns>
    internal static bool AddColumnIfMissing(SqliteConnection connection, string table, string column, string definition)
    {
        using var columns = connection.CreateCommand();
        columns.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if ((long)columns.ExecuteScalar()! != 0)
        {
            return false;
        }
        using var add = connection.CreateCommand();
        add.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {definition}";
        add.ExecuteNonQuery();
        return true;
    }

    private static string ReadScript(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(LogLevel.Information, "SQLite storage ready at {FilePath}")]
    private partial void LogSchemaApplied(string filePath);
}
