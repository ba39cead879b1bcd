using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// What does full-text search cost over a million messages? The history of <see cref="HistoryQueries"/> (1,000
/// agents, direct messages, channel posts, task threads, stored as the log stores them, so the FTS5 trigger indexes
/// each), each message 6-18 words drawn from a vocabulary of 5,000 by Zipf's law (s = 1), as natural text is: a few
/// words in most messages, most words in few. Searches go through the real <see cref="SqliteMessageLog"/>, as the
/// operator, as agent-7 (its own history only) and as an agent with no history; each is timed 50 times after 3
/// warm-ups, p50 and p99.
/// </summary>
public static class SearchQueries
{
    private const int Vocabulary = 5000;
    internal const int Runs = 50;

    public static async Task Run(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        // A second argument names a directory to keep the file in, and to read it from on the next run (no fill).
        var kept = args.Length > 1 ? args[1] : null;
        var directory = kept ?? Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var options = Options.Create(new StorageOptions { SqlitePath = Path.Combine(directory, "bench.db") });
        var filled = File.Exists(options.Value.SqlitePath);
        var database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        database.ApplySchema();
        try
        {
            var words = Words();
            var text = ZipfText(words, new Random(31));
            Console.Error.WriteLine(filled ? "reading the kept file" : $"writing {messages:N0} messages...");
            var clock = Stopwatch.StartNew();
            var channel = filled ? KeptChannel(database) : HistoryQueries.Fill(database, messages, _ => text()).Channel;
            Console.Error.WriteLine($"written in {clock.Elapsed.TotalSeconds:N0} s");
            await using var writes = new SqliteWriteQueue(database, options, NullLogger<SqliteWriteQueue>.Instance);
            var log = new SqliteMessageLog(database, writes);
            clock.Restart();
            await log.CatchUpSearchIndex();
            Console.Error.WriteLine($"indexed in {clock.Elapsed.TotalSeconds:N0} s");
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
            Console.WriteLine($"| search (SQLite, {messages:N0} messages, page of 50) | matches in the log | operator p50 / p99 (ms) | agent-7 p50 / p99 (ms, hits) | agent with no history p50 / p99 (ms) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var (name, searched, query) in searches)
            {
                var parsed = SearchText.Parse(searched);
                var matches = Count(database, parsed);
                var all = await Time(() => log.Search(parsed, query, null));
                var own = await Time(() => log.Search(parsed, query, "agent-7"));
                var none = await Time(() => log.Search(parsed, query, "agent-new"));
                Console.WriteLine($"| {name} | {matches:N0} | {all.P50:N1} / {all.P99:N1} | {own.P50:N1} / {own.P99:N1} ({own.Hits}) | {none.P50:N1} / {none.P99:N1} |");
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (kept is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>A channel agent-7 posts in, as the fill returned it: the first it belongs to.</summary>
    private static string KeptChannel(SqliteDatabase database)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT m.channel FROM message_audience a JOIN messages m ON m.seq = a.seq WHERE a.agent_key = 'agent-7' ORDER BY m.channel LIMIT 1";
        return (string)command.ExecuteScalar()!;
    }

    private static long Count(SqliteDatabase database, SearchText text)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH @match";
        command.Parameters.AddWithValue("@match", text.ToFts5());
        return (long)command.ExecuteScalar()!;
    }

    internal static async Task<(double P50, double P99, int Hits)> Time(Func<Task<MessageSearchPage>> search)
    {
        var hits = 0;
        for (var i = 0; i < 3; i++)
        {
            hits = (await search()).Items.Count;
        }
        var times = new List<double>(Runs);
        for (var i = 0; i < Runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await search();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[Runs / 2], times[(int)Math.Ceiling(Runs * 0.99) - 1], hits);
    }

    /// <summary>5,000 distinct pronounceable words of 2-4 syllables, in a fixed order (rank 1 first).</summary>
    internal static string[] Words()
    {
        string[] syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "ga", "vu", "zo", "bel", "tor", "san", "qui", "mar", "fen", "dul", "hax"];
        var random = new Random(17);
        var words = new HashSet<string>();
        var ordered = new List<string>(Vocabulary);
        while (ordered.Count < Vocabulary)
        {
            var word = new StringBuilder();
            for (var s = random.Next(2, 5); s > 0; s--)
            {
                word.Append(syllables[random.Next(syllables.Length)]);
            }
            if (words.Add(word.ToString()))
            {
                ordered.Add(word.ToString());
            }
        }
        return [.. ordered];
    }

    /// <summary>Texts of 6-18 words, word of rank r drawn with probability proportional to 1/r.</summary>
    internal static Func<string> ZipfText(string[] words, Random random)
    {
        var cumulative = new double[words.Length];
        var sum = 0.0;
        for (var rank = 1; rank <= words.Length; rank++)
        {
            sum += 1.0 / rank;
            cumulative[rank - 1] = sum;
        }
        return () =>
        {
            var text = new StringBuilder();
            for (var n = random.Next(6, 19); n > 0; n--)
            {
                var at = Array.BinarySearch(cumulative, random.NextDouble() * sum);
                text.Append(words[at < 0 ? Math.Min(~at, words.Length - 1) : at]).Append(n > 1 ? ' ' : '.');
            }
            return text.ToString();
        };
    }
}
