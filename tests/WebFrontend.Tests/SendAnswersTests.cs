using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// message:send frames stored together are each answered for themselves and truthfully, over a real server whose
/// database refuses, on purpose, one message (a trigger on the log) and every inbox entry for a while (a trigger on
/// the inbox): the one that could not be stored gets its own error, the others are acked because they are stored,
/// and reach the recipient exactly once when the inbox takes writes again.
/// </summary>
public sealed class SendAnswersTests : IAsyncLifetime
{
    private readonly TempDatabase _database = new();
    private AgentChannelServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await AgentChannelServer.StartAsync(_database.Path, new Dictionary<string, string?>
        {
            ["AgentChannel:Limits:MessageRedeliverySeconds"] = "0.2",
        });

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _database.Dispose();
    }

    [Fact]
    public async Task Each_frame_is_answered_for_itself_and_what_was_acked_arrives_once_after_delivery_failed()
    {
        await using var sender = await WsClient.Connect(_server);
        await using var receiver = await WsClient.Connect(_server);
        await sender.Register(new { name = Unique("snd"), type = "llm" });
        var receiverName = (await receiver.Register(new { name = Unique("rcv"), type = "llm" }))["agent"]!["name"]!.GetValue<string>();

        Execute("""
                CREATE TRIGGER fail_poison BEFORE INSERT ON messages WHEN NEW.content = 'poison' BEGIN SELECT RAISE(ABORT, 'injected message failure'); END;
                CREATE TRIGGER fail_delivery BEFORE INSERT ON inbox WHEN NEW.event = 'message:received' BEGIN SELECT RAISE(ABORT, 'injected inbox failure'); END;
                """);
        var drafts = Enumerable.Range(0, 10)
            .Select(i => (object)new { content = i == 4 ? "poison" : $"m{i}", recipients = new[] { receiverName } })
            .ToList();
        var replies = await sender.Pipeline("message:send", drafts);
        Execute("DROP TRIGGER fail_poison;");

        replies[4]["event"]!.GetValue<string>().ShouldBe("error");
        replies[4]["data"]!["code"]!.GetValue<string>().ShouldBe("internal");
        var acked = replies.Where((_, i) => i != 4).ToList();
        acked.ShouldAllBe(reply => reply["event"]!.GetValue<string>() == "ack", string.Join("\n", replies.Select(reply => reply.ToJsonString())));
        acked.Select(reply => reply["data"]!["content"]!.GetValue<string>())
            .ShouldBe(Enumerable.Range(0, 10).Where(i => i != 4).Select(i => $"m{i}"));
        (await Inbox(receiverName)).ShouldBeEmpty("the inbox refuses entries while the trigger is in place");

        Execute("DROP TRIGGER fail_delivery;");
        var expected = Enumerable.Range(0, 10).Where(i => i != 4).Select(i => $"m{i}").ToList();
        var pushed = await receiver.Collect("message:received", expected.Count);
        pushed.Select(push => push["data"]!["content"]!.GetValue<string>()).ShouldBe(expected);
        await Poll.Until(() => Task.FromResult(OwedCount() == 0), "nothing left owed");
        // Nothing is owed any more, so nothing more can be delivered: each acked message is in the inbox once.
        (await Inbox(receiverName)).ShouldBe(expected);
    }

    private async Task<IReadOnlyList<string>> Inbox(string agent)
    {
        var page = await _server.Services.GetRequiredService<IClusterClient>().GetGrain<IAgentGrain>(AgentNames.Key(agent)).ReadInbox(0, 100);
        return [.. page.Events.Where(item => item.Event == Events.EventNames.MessageReceived)
            .Select(item => System.Text.Json.JsonDocument.Parse(item.Data.Text).RootElement.GetProperty("content").GetString()!)];
    }

    private long OwedCount()
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM owed_deliveries";
        return (long)command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}
