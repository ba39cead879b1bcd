using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Orleans.AgentChannel.WebFrontend.Tests;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>
/// The C# client sends every write with an idempotency key and tries it again with that key while the cluster does not
/// answer: a write whose answer was lost, or that was in flight when the server died, exists exactly once.
/// </summary>
public sealed class WriteRetryTests
{
    [Fact]
    public async Task A_send_whose_answer_times_out_is_tried_again_with_its_key_and_stored_once()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        using var operatorClient = server.Client();
        (await operatorClient.Post("/api/agents/register", new { name = "listener", type = "tool" })).Status.ShouldBe(HttpStatusCode.Created);
        var options = server.Options("csharp");
        // Answers later than a second are lost to this client: its calls time out while the server carries them out.
        options.ConfigureClustering = client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, server.GatewayPort));
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(1));
        };
        options.WriteRetryInitialDelay = TimeSpan.FromMilliseconds(100);
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        SlowInsertOf(server, "slow");

        var sent = await agent.SendMessageAsync("slow", ["listener"], cancellationToken: TestContext.Current.CancellationToken);

        var stored = await MessagesFrom(operatorClient, "csharp");
        stored.Select(message => message!["id"]!.GetValue<Guid>()).ShouldBe([sent.Id]);
        stored[0]!["sequence"]!.GetValue<long>().ShouldBe(sent.Sequence);
        (await operatorClient.Get("/api/messages?recipient=listener")).Json["items"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_send_in_flight_when_the_server_is_killed_is_stored_exactly_once_after_the_restart()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        using (var operatorClient = server.Client())
        {
            (await operatorClient.Post("/api/agents/register", new { name = "listener", type = "tool" })).Status.ShouldBe(HttpStatusCode.Created);
        }
        var options = server.Options("csharp");
        options.WriteAttempts = 60;
        options.WriteRetryInitialDelay = TimeSpan.FromMilliseconds(100);
        options.WriteRetryMaxDelay = TimeSpan.FromSeconds(1);
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        SlowInsertOf(server, "in flight");

        var sending = agent.SendMessageAsync("in flight", ["listener"], cancellationToken: TestContext.Current.CancellationToken);
        await WhileUnlocked(server);
        await server.CrashAsync();
        sending.IsCompleted.ShouldBeFalse();
        await server.StartAsync();
        var sent = await sending.WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

        using var restarted = server.Client();
        var stored = await MessagesFrom(restarted, "csharp");
        stored.Select(message => message!["id"]!.GetValue<Guid>()).ShouldBe([sent.Id]);
        stored[0]!["content"]!.GetValue<string>().ShouldBe("in flight");
    }

    [Fact]
    public async Task A_write_that_never_gets_an_answer_fails_clearly_naming_its_key_and_attempts()
    {
        await using var server = new ServerProcess();
        await server.StartAsync();
        var options = server.Options("csharp");
        options.WriteAttempts = 3;
        options.WriteRetryInitialDelay = TimeSpan.FromMilliseconds(50);
        await using var agent = await AgentClient.ConnectAsync(options, TestContext.Current.CancellationToken);
        await server.CrashAsync();

        var failed = await Should.ThrowAsync<WriteNotConfirmedException>(
            () => agent.SetMemoryAsync("k", 1, cancellationToken: TestContext.Current.CancellationToken));
        (failed.Operation, failed.Attempts).ShouldBe(("memory:set", 3));
        Guid.TryParse(failed.IdempotencyKey, out _).ShouldBeTrue();
        failed.Message.ShouldContain(failed.IdempotencyKey);
    }

    /// <summary>Fault injection: inserting a message with this content keeps the database's write lock for a few seconds.</summary>
    private static void SlowInsertOf(ServerProcess server, string content)
    {
        using var database = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "agentchannel.db")};Pooling=False");
        database.Open();
        using var command = database.CreateCommand();
        command.CommandText =
            $"""
             CREATE TRIGGER slow_insert AFTER INSERT ON messages WHEN NEW.content = '{content}'
             BEGIN SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000000) SELECT x FROM n); END
             """;
        command.ExecuteNonQuery();
    }

    /// <summary>Returns once a write transaction holds the database (the slow insert running).</summary>
    private static async Task WhileUnlocked(ServerProcess server)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        using var database = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "agentchannel.db")};Pooling=False");
        database.Open();
        // Straight to SQLite: Microsoft.Data.Sqlite would wait for the lock instead of saying it is taken.
        SQLitePCL.raw.sqlite3_busy_timeout(database.Handle, 0);
        while (SQLitePCL.raw.sqlite3_exec(database.Handle, "BEGIN IMMEDIATE") == SQLitePCL.raw.SQLITE_OK)
        {
            SQLitePCL.raw.sqlite3_exec(database.Handle, "ROLLBACK");
            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, "the slow insert never held the database");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<JsonArray> MessagesFrom(HttpClient client, string sender) =>
        (await client.Get($"/api/messages?sender={sender}")).Json["items"]!.AsArray();
}
