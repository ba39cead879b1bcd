using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Storage.Sqlite;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// What does private history cost to read? A SQLite file with a million messages among 1,000 agents — 70 % direct,
/// 20 % posts in 100 channels of 10 members, 10 % in the threads of 10,000 tasks — stored as the log stores them
/// (recipient rows, audience rows, task parties), then pages read through the real <see cref="SqliteMessageLog"/>:
/// as the operator (the query every agent ran before history was private) and as one agent (only what it may read).
/// </summary>
public static class HistoryQueries
{
    private const int Agents = 1000;
    private const int Channels = 100;
    private const int MembersPerChannel = 10;
    private const int Tasks = 10_000;

    private static readonly string[] MessageParameters = ["@id", "@sender", "@channel", "@task_id", "@recipients", "@created_at", "@content"];

    public static async Task Run(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var directory = Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var options = Options.Create(new StorageOptions { SqlitePath = Path.Combine(directory, "bench.db") });
        var database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        database.ApplySchema();
        try
        {
            Console.Error.WriteLine($"writing {messages:N0} messages...");
            var (sample, taskOfReader, channelOfReader) = Fill(database, messages);
            await using var writes = new SqliteWriteQueue(database, options, NullLogger<SqliteWriteQueue>.Instance);
            var log = new SqliteMessageLog(database, writes);
            const string reader = "agent-7";
            var queries = new (string Name, MessageQuery Query)[]
            {
                ("newest 50", new MessageQuery()),
                ("newest 50 from one sender", new MessageQuery(Sender: "agent-8")),
                ("newest 50 in one channel", new MessageQuery(Channel: channelOfReader)),
                ("a task's thread", new MessageQuery(TaskId: taskOfReader)),
                ("newest 50 in the last hour", new MessageQuery(Since: DateTimeOffset.UtcNow.AddHours(-1))),
            };
            Console.WriteLine($"| query (SQLite, {messages:N0} messages) | operator: every message, as any agent before (ms, rows) | agent-7: its own history (ms, rows) | an agent with no history (ms, rows) |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (name, query) in queries)
            {
                var all = await Time(() => log.List(query, null));
                var own = await Time(() => log.List(query, reader));
                var none = await Time(() => log.List(query, "agent-new"));
                Console.WriteLine($"| {name} | {all.Ms:N1} ({all.Result.Items.Count}) | {own.Ms:N1} ({own.Result.Items.Count}) | {none.Ms:N1} ({none.Result.Items.Count}) |");
            }
            var pages = await Time(async () =>
            {
                var (count, cursor) = (0, (string?)null);
                do
                {
                    var page = await log.List(new MessageQuery(Limit: 500, Cursor: cursor), reader);
                    count += page.Items.Count;
                    cursor = page.NextCursor;
                }
                while (cursor is not null);
                return count;
            });
            Console.WriteLine($"| agent-7's whole history, pages of 500 | | {pages.Ms:N1} ({pages.Result:N0}) | |");
            var get = await Time(() => log.Get(sample, reader));
            var getAll = await Time(() => log.Get(sample, null));
            Console.WriteLine($"| one message by id (not agent-7's) | {getAll.Ms:N2} | {get.Ms:N2} (hidden: {get.Result is null}) | |");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static SqliteCommand Sql(SqliteConnection connection, string text)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        return command;
    }

    private static async Task<(double Ms, T Result)> Time<T>(Func<Task<T>> run)
    {
        var result = await run();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            result = await run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return (times[2], result);
    }

    /// <summary>Rows as the log writes them. Returns a message agent-7 may not read, a task and a channel of agent-7's.</summary>
    /// <remarks><paramref name="content"/> gives message i its text (default: the same text for every message).</remarks>
    internal static (Guid Hidden, Guid Task, string Channel) Fill(SqliteDatabase database, int count, Func<int, string>? content = null)
    {
        var random = new Random(29);
        var members = Enumerable.Range(0, Channels)
            .Select(channel => Enumerable.Range(0, MembersPerChannel).Select(m => $"agent-{(channel * 7 + m * 101) % Agents}").Distinct().ToArray()).ToArray();
        var tasks = Enumerable.Range(0, Tasks).Select(_ => (Id: Guid.NewGuid(), Creator: $"agent-{random.Next(Agents)}", Assignee: $"agent-{random.Next(Agents)}")).ToArray();
        var readerTask = tasks.First(task => task.Creator == "agent-7" || task.Assignee == "agent-7").Id;
        var readerChannel = Array.FindIndex(members, channel => channel.Contains("agent-7"));
        using var connection = database.Open();
        using (var transaction = connection.BeginTransaction())
        {
            using var party = Sql(connection, "INSERT OR IGNORE INTO task_parties (agent_key, task_id) VALUES (@agent, @task)");
            party.Transaction = transaction;
            var (agent, task) = (party.Parameters.Add("@agent", SqliteType.Text), party.Parameters.Add("@task", SqliteType.Text));
            foreach (var (id, creator, assignee) in tasks)
            {
                foreach (var name in new[] { creator, assignee })
                {
                    (agent.Value, task.Value) = (name, id.ToString());
                    party.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        var hidden = Guid.Empty;
        var start = DateTimeOffset.UtcNow.AddDays(-30).ToUnixTimeMilliseconds();
        var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var done = 0; done < count; done += 10_000)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = Sql(connection, 
                """
                INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at)
                VALUES (@id, @sender, @channel, NULL, @task_id, 'text', @content, '{}', @recipients, @created_at)
                RETURNING seq
                """);
            insert.Transaction = transaction;
            using var recipientRow = Sql(connection, "INSERT OR IGNORE INTO message_recipients (recipient, seq) VALUES (@recipient, @seq)");
            recipientRow.Transaction = transaction;
            using var audienceRow = Sql(connection, "INSERT OR IGNORE INTO message_audience (agent_key, seq) VALUES (@agent, @seq)");
            audienceRow.Transaction = transaction;
            var p = MessageParameters.ToDictionary(name => name, name => insert.Parameters.Add(name, SqliteType.Text));
            var (recipient, recipientSeq) = (recipientRow.Parameters.Add("@recipient", SqliteType.Text), recipientRow.Parameters.Add("@seq", SqliteType.Integer));
            var (member, memberSeq) = (audienceRow.Parameters.Add("@agent", SqliteType.Text), audienceRow.Parameters.Add("@seq", SqliteType.Integer));
            for (var i = done; i < Math.Min(count, done + 10_000); i++)
            {
                var id = Guid.NewGuid();
                var kind = random.Next(10);
                string sender;
                string[] to;
                string[] audience = [];
                object channel = DBNull.Value, taskId = DBNull.Value;
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
                    to = [];
                    audience = [.. members[c].Where(name => name != sender)];
                }
                else
                {
                    var t = tasks[random.Next(Tasks)];
                    sender = random.Next(2) == 0 ? t.Creator : t.Assignee;
                    taskId = t.Id.ToString();
                    to = [sender == t.Creator ? t.Assignee : t.Creator];
                }
                if (hidden == Guid.Empty && sender != "agent-7" && !to.Contains("agent-7") && !audience.Contains("agent-7") && taskId is DBNull)
                {
                    hidden = id;
                }
                p["@id"].Value = id.ToString();
                p["@sender"].Value = sender;
                p["@channel"].Value = channel;
                p["@task_id"].Value = taskId;
                p["@recipients"].Value = "[" + string.Join(",", to.Select(name => $"\"{name}\"")) + "]";
                p["@created_at"].Value = start + (end - start) * i / count;
                p["@content"].Value = content?.Invoke(i) ?? "historic message content";
                var seq = (long)insert.ExecuteScalar()!;
                foreach (var name in to)
                {
                    (recipient.Value, recipientSeq.Value) = (name, seq);
                    recipientRow.ExecuteNonQuery();
                }
                foreach (var name in audience)
                {
                    (member.Value, memberSeq.Value) = (name, seq);
                    audienceRow.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
        return (hidden, readerTask, $"channel-{readerChannel}");
    }
}
