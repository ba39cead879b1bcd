using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>Everything written through the API is there after the host stops and a new one opens the same file.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Data_written_through_the_api_survives_a_restart_on_the_same_sqlite_file()
    {
        using var database = new TempDatabase();
        var path = database.Path;
        string token, taskId, messageId;
        await using (var first = await AgentChannelServer.StartAsync(path))
        {
            using var anonymous = first.Client();
            token = (await anonymous.Post("/api/agents/register", new { name = "durable", type = "llm", capabilities = new[] { "x" } })).Json["token"]!.GetValue<string>();
            await anonymous.Post("/api/agents/register", new { name = "keeper", type = "tool" });
            using var agent = first.Client(token);
            taskId = (await agent.Post("/api/tasks", new { title = "persist me", assign_to = "keeper" })).Json["id"]!.GetValue<string>();
            messageId = (await agent.Post("/api/messages", new { content = "still here?", recipients = new[] { "keeper" } })).Json["id"]!.GetValue<string>();
            (await agent.Post("/api/messages", new { content = "in the room", channel = "lobby" })).Status.ShouldBe(HttpStatusCode.Created);
            (await agent.Post("/api/memory", new { key = "notes/one", value = new { a = 1 } })).Status.ShouldBe(HttpStatusCode.Created);
            (await agent.Put("/api/memory/notes/one", new { value = new { a = 2 } })).Status.ShouldBe(HttpStatusCode.OK);
            (await agent.Put("/api/agents/durable/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        }

        await using var second = await AgentChannelServer.StartAsync(path);
        using var sameToken = second.Client(token);
        var me = await sameToken.Get("/api/agents/durable");
        me.Status.ShouldBe(HttpStatusCode.OK);
        me.Json["status"]!.GetValue<string>().ShouldBe("busy");
        me.Json["capabilities"]![0]!.GetValue<string>().ShouldBe("x");
        (await sameToken.Get("/api/agents")).Json["items"]!.AsArray().Count.ShouldBe(2);

        var task = await sameToken.Get($"/api/tasks/{taskId}");
        task.Json["title"]!.GetValue<string>().ShouldBe("persist me");
        task.Json["assigned_to"]!.GetValue<string>().ShouldBe("keeper");
        (await sameToken.Get("/api/tasks?assignee=keeper")).Json["items"]!.AsArray().Count.ShouldBe(1);

        (await sameToken.Get($"/api/messages/{messageId}")).Json["content"]!.GetValue<string>().ShouldBe("still here?");
        (await sameToken.Get("/api/messages?recipient=keeper")).Json["items"]!.AsArray().Count.ShouldBe(1);
        var lobby = await sameToken.Get("/api/channels/lobby");
        lobby.Json["message_sequence"]!.GetValue<long>().ShouldBe(1);
        lobby.Json["members"]![0]!.GetValue<string>().ShouldBe("durable");

        var memory = await sameToken.Get("/api/memory/notes/one");
        memory.Json["version"]!.GetValue<long>().ShouldBe(2);
        memory.Json["value"]!["a"]!.GetValue<int>().ShouldBe(2);
        (await sameToken.Get("/api/memory?prefix=notes/")).Json["items"]!.AsArray().Count.ShouldBe(1);

        (await second.Client().Post("/api/agents/register", new { name = "durable", type = "llm" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await sameToken.Post("/api/messages", new { content = "after restart", channel = "lobby" })).Status.ShouldBe(HttpStatusCode.Created);
        (await sameToken.Get("/api/channels/lobby")).Json["message_sequence"]!.GetValue<long>().ShouldBe(2);
    }
}
