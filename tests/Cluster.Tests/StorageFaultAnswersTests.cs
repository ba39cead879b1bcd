using System.Net;
using Orleans.AgentChannel.Grains.Tests;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Cluster.Tests;

/// <summary>
/// Storage that refuses a write for a reason that passes (here a PostgreSQL serialization failure, SQLSTATE 40001,
/// raised on purpose by a trigger) is answered as the cluster being unavailable — REST 503 with Retry-After, WebSocket
/// <c>unavailable</c> with a retry hint — not as an internal error; nothing of the call is stored, and the retry
/// after the fault has passed succeeds. Skipped without AGENTCHANNEL_TEST_POSTGRES.
/// </summary>
public sealed class StorageFaultAnswersTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_write_that_storage_refuses_for_now_is_answered_unavailable_and_stores_nothing()
    {
        await using var database = await PostgresTestDatabase.Create();
        await using var server = await AgentChannelServer.StartAsync(Path.Combine(Path.GetTempPath(), $"unused-{Guid.NewGuid():N}.db"),
            new Dictionary<string, string?>
            {
                ["AgentChannel:Storage:Provider"] = "PostgreSQL",
                ["AgentChannel:Storage:PostgresConnectionString"] = database.ConnectionString,
            });
        using var http = server.Client(AgentChannelServer.OperatorToken);
        await using var agent = await WsClient.Connect(server);
        await agent.Register(new { name = "writer", type = "llm" });

        await database.Execute("""
            CREATE FUNCTION refuse_for_now() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected: could not serialize access' USING ERRCODE = '40001'; END $$;
            CREATE TRIGGER refuse_task_writes BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION refuse_for_now();
            """);

        var refused = await http.Post("/api/tasks", new { title = "over REST" });
        refused.ShouldBeProblem(HttpStatusCode.ServiceUnavailable, "unavailable");
        refused.Raw.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        var overSocket = await agent.Request("task:create", new { title = "over the socket" });
        overSocket["event"]!.GetValue<string>().ShouldBe("error", overSocket.ToJsonString());
        overSocket["data"]!["code"]!.GetValue<string>().ShouldBe("unavailable");
        overSocket["data"]!["retry_after_ms"]!.GetValue<long>().ShouldBe(1000);
        (await http.Get("/api/tasks")).Json["items"]!.AsArray().ShouldBeEmpty();

        await database.Execute("DROP TRIGGER refuse_task_writes ON tasks;");
        (await http.Post("/api/tasks", new { title = "over REST" })).Status.ShouldBe(HttpStatusCode.Created);
        (await agent.Request("task:create", new { title = "over the socket" }))["event"]!.GetValue<string>().ShouldBe("ack");
        (await http.Get("/api/tasks")).Json["items"]!.AsArray().Count.ShouldBe(2);
    }
}
