using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.AgentChannel.Bench.Realtime;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Storage.Postgres;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// <see cref="SearchQueries"/> on PostgreSQL: the same mix and words, copied into a fresh database (the generated
/// <c>search</c> vector computed by the server for each row), analysed, then the same searches through the real
/// <see cref="PostgresMessageLog"/>. Needs <c>--postgres</c> or AGENTCHANNEL_TEST_POSTGRES; the database is dropped after.
/// </summary>
public static class SearchQueriesPostgres
{
    private const int Agents = 1000;
    private const int Channels = 100;
    private const int MembersPerChannel = 10;
    private const int Tasks = 10_000;

    public static async Task Run(string[] args)
    {
        var admin = BenchServer.Postgres ?? Environment.GetEnvironmentVariable("AGENTCHANNEL_TEST_POSTGRES")
            ?? throw new InvalidOperationException("search-queries-pg needs --postgres or AGENTCHANNEL_TEST_POSTGRES");
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var name = $"agentchannel_bench_{Guid.NewGuid():N}";
        await Admin(admin, $"CREATE DATABASE \"{name}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        var database = new PostgresDatabase(
            Options.Create(new StorageOptions { Provider = StorageProvider.PostgreSQL, PostgresConnectionString = connectionString }),
            NullLogger<PostgresDatabase>.Instance);
        try
        {
            await database.ApplySchema();
            var words = SearchQueries.Words();
            Console.Error.WriteLine($"copying {messages:N0} messages...");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var channel = await Fill(connectionString, messages, SearchQueries.ZipfText(words, new Random(31)));
            Console.Error.WriteLine($"copied, indexed and analysed in {clock.Elapsed.TotalSeconds:N0} s");
            var log = new PostgresMessageLog(database);
            var searches = new (string Name, string Text, MessageQuery Query)[]
            {
                ("a common word (rank 10)", words[9], new MessageQuery()),
                ("a middling word (rank 150)", words[149], new MessageQuery()),
                ("a rare word (rank 3,000)", words[2999], new MessageQuery()),
                ("two middling words (ranks 150, 300)", $"{words[149]} {words[299]}", new MessageQuery()),
                ("a prefix (3 letters of rank 150)", words[149][..3] + "*", new MessageQuery()),
                ("a common word in one channel", words[9], new MessageQuery(Channel: channel)),
                ("a middling word, last day", words[149], new MessageQuery(Since: DateTimeOffset.UtcNow.AddDays(-1))),
                ("a word in no message", "zzzzqx", new MessageQuery()),
            };
            Console.WriteLine($"| search (PostgreSQL, {messages:N0} messages, page of 50) | operator p50 / p99 (ms) | agent-7 p50 / p99 (ms, hits) | agent with no history p50 / p99 (ms) |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (label, searched, query) in searches)
            {
                var parsed = SearchText.Parse(searched);
                var all = await SearchQueries.Time(() => log.Search(parsed, query, null));
                var own = await SearchQueries.Time(() => log.Search(parsed, query, "agent-7"));
                var none = await SearchQueries.Time(() => log.Search(parsed, query, "agent-new"));
                Console.WriteLine($"| {label} | {all.P50:N1} / {all.P99:N1} | {own.P50:N1} / {own.P99:N1} ({own.Hits}) | {none.P50:N1} / {none.P99:N1} |");
            }
        }
        finally
        {
            await database.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await Admin(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static async Task Admin(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The rows of <see cref="HistoryQueries"/>' mix, by COPY; returns a channel agent-7 is a member of.</summary>
    private static async Task<string> Fill(string connectionString, int count, Func<string> text)
    {
        var random = new Random(29);
        var members = Enumerable.Range(0, Channels)
            .Select(channel => Enumerable.Range(0, MembersPerChannel).Select(m => $"agent-{(channel * 7 + m * 101) % Agents}").Distinct().ToArray()).ToArray();
        var tasks = Enumerable.Range(0, Tasks).Select(_ => (Id: Guid.NewGuid(), Creator: $"agent-{random.Next(Agents)}", Assignee: $"agent-{random.Next(Agents)}")).ToArray();
        var recipients = new List<(string, long)>();
        var audience = new List<(string, long)>();
        var start = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var copy = await connection.BeginBinaryImportAsync(
                         "COPY messages (id, sender, channel, task_id, message_type, content, metadata, recipients, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                var seq = i + 1L;
                var kind = random.Next(10);
                string sender;
                string[] to = [];
                string? channel = null;
                Guid? taskId = null;
                if (kind < 7)
                {
                    sender = $"agent-{random.Next(Agents)}";
                    to = [$"agent-{random.Next(Agents)}"];
                }
                else if (kind < 9)
                {
                    var c = random.Next(Channels);
                    sender = members[c][random.Next(members[c].Length)];
                    channel = $"channel-{c}";
                    audience.AddRange(members[c].Where(member => member != sender).Select(member => (member, seq)));
                }
                else
                {
                    var t = tasks[random.Next(Tasks)];
                    sender = random.Next(2) == 0 ? t.Creator : t.Assignee;
                    taskId = t.Id;
                    to = [sender == t.Creator ? t.Assignee : t.Creator];
                }
                recipients.AddRange(to.Select(name => (name, seq)));
                await copy.StartRowAsync();
                await copy.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid);
                await copy.WriteAsync(sender, NpgsqlDbType.Text);
                await copy.WriteAsync(channel, NpgsqlDbType.Text);
                await copy.WriteAsync(taskId, NpgsqlDbType.Uuid);
                await copy.WriteAsync("text", NpgsqlDbType.Text);
                await copy.WriteAsync(text(), NpgsqlDbType.Text);
                await copy.WriteAsync("{}", NpgsqlDbType.Text);
                await copy.WriteAsync("[" + string.Join(",", to.Select(name => $"\"{name}\"")) + "]", NpgsqlDbType.Text);
                await copy.WriteAsync(start + (end - start) * i / count, NpgsqlDbType.Bigint);
            }
            await copy.CompleteAsync();
        }
        await Copy(connection, "COPY message_recipients (recipient, seq) FROM STDIN (FORMAT BINARY)", recipients.Distinct());
        await Copy(connection, "COPY message_audience (agent_key, seq) FROM STDIN (FORMAT BINARY)", audience.Distinct());
        await using (var parties = await connection.BeginBinaryImportAsync("COPY task_parties (agent_key, task_id) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (agent, task) in tasks.SelectMany(t => new[] { (t.Creator, t.Id), (t.Assignee, t.Id) }).Distinct())
            {
                await parties.StartRowAsync();
                await parties.WriteAsync(agent, NpgsqlDbType.Text);
                await parties.WriteAsync(task, NpgsqlDbType.Uuid);
            }
            await parties.CompleteAsync();
        }
        await using (var analyse = new NpgsqlCommand("VACUUM ANALYZE", connection))
        {
            analyse.CommandTimeout = 0;
            await analyse.ExecuteNonQueryAsync();
        }
        return $"channel-{Array.FindIndex(members, channel => channel.Contains("agent-7"))}";
    }

    private static async Task Copy(NpgsqlConnection connection, string sql, IEnumerable<(string Agent, long Seq)> rows)
    {
        await using var copy = await connection.BeginBinaryImportAsync(sql);
        foreach (var (agent, seq) in rows)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(agent, NpgsqlDbType.Text);
            await copy.WriteAsync(seq, NpgsqlDbType.Bigint);
        }
        await copy.CompleteAsync();
    }
}
