using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// Does a message cost the same whatever the log already holds? Appends through the real message log
/// (group commit, indexes, recipient rows) on an empty log and again after the log holds a million rows,
/// beside the storage ceiling: raw SQLite inserts of the same rows in batches of 1,000, in the same run.
/// </summary>
public static class MessageLogGrowth
{
    public static async Task Run(string[] args)
    {
        var history = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        const int measured = 20_000;
        const int concurrency = 64;
        var directory = Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var options = Options.Create(new StorageOptions { SqlitePath = Path.Combine(directory, "bench.db") });
        var database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        database.ApplySchema();
        await using var writes = new SqliteWriteQueue(database, options, NullLogger<SqliteWriteQueue>.Instance);
        var log = new SqliteMessageLog(database, writes);
        try
        {
            // Warm-up (JIT, page cache) so the first measured run is not penalised for going first.
            RawInsertRate(database, measured / 4);
            await AppendRate(log, measured / 4, concurrency);
            var baselineEmpty = RawInsertRate(database, measured);
            var empty = await AppendRate(log, measured, concurrency);
            var stored = measured + measured / 4;
            Console.Error.WriteLine($"filling the log to {history:N0} messages...");
            Fill(database, history - stored);
            var baselineFull = RawInsertRate(database, measured);
            var full = await AppendRate(log, measured, concurrency);

            Console.WriteLine($"| stored messages | message log appends/s ({concurrency} concurrent senders) | raw SQLite inserts/s (batches of 1,000) | ratio |");
            Console.WriteLine("|---:|---:|---:|---:|");
            Console.WriteLine($"| {stored:N0} | {empty:N0} | {baselineEmpty:N0} | {empty / baselineEmpty:P0} |");
            Console.WriteLine($"| {history:N0} | {full:N0} | {baselineFull:N0} | {full / baselineFull:P0} |");
            Console.WriteLine($"append rate at {history:N0} vs empty: {full / empty:P0}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double> AppendRate(SqliteMessageLog log, int count, int concurrency)
    {
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                await log.Append(Message(), channelSequence: null);
            }
        }));
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The same shape of rows straight into a scratch copy of the table: what SQLite alone can do.</summary>
    private static double RawInsertRate(SqliteDatabase database, int count)
    {
        using var connection = database.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS bench_raw AS SELECT * FROM messages WHERE 0; DELETE FROM bench_raw;";
            create.ExecuteNonQuery();
        }
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < count; done += 1000)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO bench_raw (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at)
                VALUES (@id, 'bench-sender', NULL, NULL, NULL, 'text', 'benchmark message content', '{}', '["bench-recipient"]', @created_at)
                """;
            var id = insert.Parameters.Add("@id", SqliteType.Text);
            var createdAt = insert.Parameters.Add("@created_at", SqliteType.Integer);
            for (var i = 0; i < 1000; i++)
            {
                id.Value = Guid.NewGuid().ToString();
                createdAt.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>History written directly (with its recipient rows), fast, so the measured appends meet real index sizes.</summary>
    internal static void Fill(SqliteDatabase database, int count)
    {
        using var connection = database.Open();
        for (var done = 0; done < count; done += 10_000)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at)
                VALUES (@id, @sender, NULL, NULL, NULL, 'text', 'historic message content', '{}', '["bench-recipient"]', @created_at);
                INSERT INTO message_recipients (recipient, seq) VALUES (@recipient, last_insert_rowid());
                """;
            var id = insert.Parameters.Add("@id", SqliteType.Text);
            var sender = insert.Parameters.Add("@sender", SqliteType.Text);
            var recipient = insert.Parameters.Add("@recipient", SqliteType.Text);
            var createdAt = insert.Parameters.Add("@created_at", SqliteType.Integer);
            for (var i = 0; i < 10_000; i++)
            {
                id.Value = Guid.NewGuid().ToString();
                sender.Value = $"agent-{i % 100}";
                recipient.Value = $"agent-{(i + 1) % 100}";
                createdAt.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    private static MessageInfo Message() => new(
        Guid.CreateVersion7(), 0, "bench-sender", ["bench-recipient"], null, null,
        "benchmark message content", MessageTypes.Default, RawJson.EmptyObject, DateTimeOffset.UtcNow);
}
