using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Stats;
using Orleans.AgentChannel.Storage.Sqlite;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// What does a report cost on a big file? A SQLite file with a month of history — a million messages (each
/// with its inbox delivery), a hundred thousand tasks from 100 agents over ten capability sets — then the
/// report the API serves (SqliteStatsStore + StatsReporter) over a month, a day, and one agent's month.
/// Baseline in the same run: the message figures of the month counted straight from the messages table
/// (the per-hour counters exist so reports need not do this).
/// </summary>
public static class StatsQueries
{
    private const int Agents = 100;
    private const int Days = 31;

    private static readonly string[] TaskParameters =
        ["@id", "@status", "@creator", "@assignee", "@created_at", "@document", "@capabilities", "@first_assigned_at", "@closed_at", "@assignments"];

    private static SqliteCommand Sql(SqliteConnection connection, SqliteTransaction? transaction, string text, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    public static async Task Run(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        var tasks = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var directory = Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var options = Options.Create(new StorageOptions { SqlitePath = Path.Combine(directory, "bench.db") });
        var database = new SqliteDatabase(options, NullLogger<SqliteDatabase>.Instance);
        database.ApplySchema();
        var end = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var start = end.AddDays(-Days);
        try
        {
            Console.Error.WriteLine($"writing {messages:N0} messages and {tasks:N0} tasks over {Days} days...");
            FillMessages(database, messages, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds());
            FillTasks(database, tasks, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds());
            // The counters, as an upgraded file gets them: filled once from the records when the table is new.
            using (var connection = database.Open())
            using (var drop = Sql(connection, null, "DROP TABLE agent_activity_hours"))
            {
                drop.ExecuteNonQuery();
            }
            var upgrade = Stopwatch.StartNew();
            database.ApplySchema();
            upgrade.Stop();

            var reporter = new StatsReporter(new SqliteStatsStore(database));
            var month = new StatsQuery(start, end);
            var day = new StatsQuery(end.AddDays(-1), end);
            var agent = new StatsQuery(start, end, "agent-7");
            var (monthMs, monthReport) = await Time(() => reporter.Report(month, end));
            var (dayMs, _) = await Time(() => reporter.Report(day, end));
            var (agentMs, _) = await Time(() => reporter.Report(agent, end));
            var (naiveMs, naiveSent) = await Time(() => database.Read(connection => NaiveMessageFigures(connection, start, end)));
            if (naiveSent != monthReport.Totals.MessagesSent)
            {
                throw new InvalidOperationException($"Counters say {monthReport.Totals.MessagesSent} sent, the log {naiveSent}.");
            }

            var store = new SqliteStatsStore(database);
            var (m0, m1) = (month.From!.Value.ToUnixTimeMilliseconds(), month.To!.Value.ToUnixTimeMilliseconds());
            Console.Error.WriteLine($"created {(await Time(() => store.TasksCreated(m0, m1, null))).Ms} ms, ended {(await Time(() => store.TasksClosed(m0, m1, null))).Ms} ms, counters {(await Time(() => store.Activity(m0, m1, null))).Ms} ms");
            Console.WriteLine("| report (window) | rows read (tasks created + tasks ended + counters) | median ms (of 5, after 1 warm-up) |");
            Console.WriteLine("|---|---:|---:|");
            Console.WriteLine($"| all agents, {Days} days | {await RowsRead(store, month)} | {monthMs:N0} |");
            Console.WriteLine($"| all agents, 1 day | {await RowsRead(store, day)} | {dayMs:N0} |");
            Console.WriteLine($"| one agent, {Days} days | {await RowsRead(store, agent)} | {agentMs:N0} |");
            Console.WriteLine($"| baseline: the {Days} days' message figures counted from the records (no counters) | {messages:N0} messages + {messages:N0} deliveries | {naiveMs:N0} |");
            Console.WriteLine($"filling the counters of an upgraded file from {messages:N0} messages: {upgrade.ElapsedMilliseconds:N0} ms");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> RowsRead(SqliteStatsStore store, StatsQuery query)
    {
        var (from, to, agent) = (query.From!.Value.ToUnixTimeMilliseconds(), query.To!.Value.ToUnixTimeMilliseconds(), query.Agent);
        var created = (await store.TasksCreated(from, to, agent)).Count;
        var ended = (await store.TasksClosed(from, to, agent)).Count;
        var counters = (await store.Activity(from, to, agent)).Count;
        return $"{created:N0} + {ended:N0} + {counters:N0}";
    }

    private static async Task<(long Ms, T Result)> Time<T>(Func<Task<T>> run)
    {
        var result = await run();
        var times = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            result = await run();
            times.Add(clock.ElapsedMilliseconds);
        }
        times.Sort();
        return (times[2], result);
    }

    /// <summary>What the counters save: sent and received per agent and hour straight from the records.</summary>
    private static long NaiveMessageFigures(SqliteConnection connection, DateTimeOffset from, DateTimeOffset to)
    {
        long sent = 0;
        using (var command = Sql(connection, null, 
                   """
                   SELECT created_at / 3600000, sender, COUNT(*) FROM messages
                   WHERE created_at >= @from AND created_at < @to GROUP BY 1, 2
                   """,
                   ("@from", from.ToUnixTimeMilliseconds()), ("@to", to.ToUnixTimeMilliseconds())))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                sent += reader.GetInt64(2);
            }
        }
        using (var command = Sql(connection, null, 
                   """
                   SELECT created_at / 3600000, agent_key, COUNT(*) FROM inbox
                   WHERE event = 'message:received' AND created_at >= @from AND created_at < @to GROUP BY 1, 2
                   """,
                   ("@from", from.ToUnixTimeMilliseconds()), ("@to", to.ToUnixTimeMilliseconds())))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
            }
        }
        return sent;
    }

    private static void FillMessages(SqliteDatabase database, int count, long fromMs, long toMs)
    {
        using var connection = database.Open();
        var random = new Random(13);
        for (var done = 0; done < count; done += 10_000)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = Sql(connection, transaction, 
                """
                INSERT INTO messages (id, sender, channel, channel_seq, task_id, message_type, content, metadata, recipients, created_at)
                VALUES (@id, @sender, NULL, NULL, NULL, 'text', 'historic message content', '{}', @recipients, @created_at);
                INSERT INTO message_recipients (recipient, seq) VALUES (@recipient, last_insert_rowid());
                INSERT INTO inbox (agent_key, seq, event, message_seq, data, created_at)
                VALUES (@recipient, @inbox_seq, 'message:received', last_insert_rowid(), NULL, @created_at);
                """);
            var id = insert.Parameters.Add("@id", SqliteType.Text);
            var sender = insert.Parameters.Add("@sender", SqliteType.Text);
            var recipients = insert.Parameters.Add("@recipients", SqliteType.Text);
            var recipient = insert.Parameters.Add("@recipient", SqliteType.Text);
            var inboxSeq = insert.Parameters.Add("@inbox_seq", SqliteType.Integer);
            var createdAt = insert.Parameters.Add("@created_at", SqliteType.Integer);
            for (var i = done; i < Math.Min(count, done + 10_000); i++)
            {
                id.Value = Guid.NewGuid().ToString();
                sender.Value = $"agent-{random.Next(Agents)}";
                recipient.Value = $"agent-{random.Next(Agents)}";
                recipients.Value = $"[\"{recipient.Value}\"]";
                inboxSeq.Value = i + 1;
                createdAt.Value = fromMs + (toMs - fromMs) * i / count;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>Tasks as the task grain's index writes leave them: most completed, some failed, a few re-assigned.</summary>
    private static void FillTasks(SqliteDatabase database, int count, long fromMs, long toMs)
    {
        using var connection = database.Open();
        var random = new Random(7);
        for (var done = 0; done < count; done += 10_000)
        {
            using var transaction = connection.BeginTransaction();
            using var insert = Sql(connection, transaction, 
                """
                INSERT INTO tasks (id, status, priority, creator, assignee, created_at, document, capabilities, first_assigned_at, closed_at, assignments)
                VALUES (@id, @status, 5, @creator, @assignee, @created_at, @document, @capabilities, @first_assigned_at, @closed_at, @assignments)
                """);
            var parameters = TaskParameters.ToDictionary(name => name, name => insert.Parameters.Add(name, SqliteType.Text));
            for (var i = done; i < Math.Min(count, done + 10_000); i++)
            {
                var id = Guid.NewGuid();
                var created = fromMs + (toMs - fromMs) * i / count;
                var assigned = created + random.Next(1_000, 600_000);
                var closed = assigned + random.Next(10_000, 3_600_000);
                var status = random.Next(10) == 0 ? AgentTaskStatus.Failed : AgentTaskStatus.Completed;
                var capability = $"skill-{random.Next(10)}";
                var info = new TaskInfo(id, $"task {i}", "", status, 5, $"agent-{random.Next(Agents)}", $"agent-{random.Next(Agents)}",
                    DateTimeOffset.FromUnixTimeMilliseconds(created), DateTimeOffset.FromUnixTimeMilliseconds(closed), null,
                    DateTimeOffset.FromUnixTimeMilliseconds(closed), RawJson.EmptyObject, null, [], [], 0, null, null, false);
                parameters["@id"].Value = id.ToString();
                parameters["@status"].Value = AgentChannelJson.WireName(status);
                parameters["@creator"].Value = info.Creator;
                parameters["@assignee"].Value = info.AssignedTo;
                parameters["@created_at"].Value = created;
                parameters["@document"].Value = JsonSerializer.Serialize(info, AgentChannelJson.Options);
                parameters["@capabilities"].Value = TaskRequirements.PoolKey([capability]);
                parameters["@first_assigned_at"].Value = assigned;
                parameters["@closed_at"].Value = closed;
                parameters["@assignments"].Value = random.Next(20) == 0 ? 2 : 1;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }
}
