using System.Net;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>A person in the loop over the real host: REST, the WebSocket's requests and pushes, MCP tools.</summary>
public sealed class HumanInTheLoopApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task An_assignee_on_a_WebSocket_asks_gets_the_answer_pushed_hands_in_is_sent_back_and_approved_over_REST()
    {
        var creator = await fixture.RegisterBusy("hitl-boss");
        var worker = await fixture.RegisterBusy("hitl-worker");
        await using var socket = await WsClient.Connect(fixture.Server, worker.Token);
        await socket.Register(new { });
        var created = await creator.Http.Post("/api/tasks", new { title = "needs a person", assign_to = worker.Name, requires_approval = true });
        created.Status.ShouldBe(HttpStatusCode.Created);
        created.Json["requires_approval"]!.GetValue<bool>().ShouldBeTrue();
        var id = created.Json["id"]!.GetValue<string>();
        var assignment = created.Json["assignment_id"]!.GetValue<string>();
        await socket.NextPush(Is("task:assigned", id));

        var asked = await socket.Request("task:request_input", new { task_id = id, question = "Which year?", assignment_id = assignment });
        asked["event"]!.GetValue<string>().ShouldBe("ack", asked.ToJsonString());
        asked["data"]!["status"]!.GetValue<string>().ShouldBe("input_required");
        asked["data"]!["lease_expires_at"].ShouldBeNull();
        var queue = await creator.Http.Get("/api/tasks?status=input_required&limit=500");
        queue.Json["items"]!.AsArray().ShouldContain(task => task!["id"]!.GetValue<string>() == id);
        (await worker.Http.Post($"/api/tasks/{id}/provide-input", new { answer = "mine" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        var answered = await creator.Http.Post($"/api/tasks/{id}/provide-input", new { answer = "2025" });
        answered.Status.ShouldBe(HttpStatusCode.OK);
        answered.Json["status"]!.GetValue<string>().ShouldBe("in_progress");
        var pushed = await socket.NextPush(Is("task:input_provided", id));
        pushed["seq"]!.GetValue<long>().ShouldBeGreaterThan(0);
        pushed["data"]!["input_request"]!["answer"]!.GetValue<string>().ShouldBe("2025");
        pushed["data"]!["input_request"]!["question"]!.GetValue<string>().ShouldBe("Which year?");

        var handedIn = await socket.Request("task:complete", new { task_id = id, result = new { year = 2025 }, assignment_id = assignment });
        handedIn["data"]!["status"]!.GetValue<string>().ShouldBe("awaiting_approval");
        (await creator.Http.Post($"/api/tasks/{id}/send-back", new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "comment");
        var sentBack = await creator.Http.Post($"/api/tasks/{id}/send-back", new { comment = "Cite the source." });
        sentBack.Json["status"]!.GetValue<string>().ShouldBe("in_progress");
        sentBack.Json["review"]!["decision"]!.GetValue<string>().ShouldBe("sent_back");
        (await socket.NextPush(Is("task:sent_back", id)))["data"]!["review"]!["comment"]!.GetValue<string>().ShouldBe("Cite the source.");

        await socket.Request("task:complete", new { task_id = id, result = new { year = 2025, source = "census" }, assignment_id = assignment });
        var approved = await fixture.Operator.Post($"/api/tasks/{id}/approve", new { comment = "Fine." });
        approved.Status.ShouldBe(HttpStatusCode.OK);
        approved.Json["status"]!.GetValue<string>().ShouldBe("completed");
        approved.Json["review"]!["by"]!.GetValue<string>().ShouldBe("operator");
        (await socket.NextPush(Is("task:approved", id)))["data"]!["status"]!.GetValue<string>().ShouldBe("completed");
        (await creator.Http.Post($"/api/tasks/{id}/approve", null)).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Refusals_over_REST_and_the_WebSocket_are_problems_and_errors_and_change_nothing()
    {
        var creator = await fixture.RegisterBusy("hitl-rule-boss");
        var worker = await fixture.RegisterBusy("hitl-rule-worker");
        var id = (await creator.Http.Post("/api/tasks", new { title = "ruled", assign_to = worker.Name }))
            .Json["id"]!.GetValue<string>();
        var before = (await creator.Http.Get($"/api/tasks/{id}")).Json;

        (await worker.Http.Post($"/api/tasks/{id}/request-input", null)).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await worker.Http.Post($"/api/tasks/{id}/request-input", new { question = "" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "question");
        (await creator.Http.Post($"/api/tasks/{id}/request-input", new { question = "?" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await creator.Http.Post($"/api/tasks/{id}/provide-input", new { answer = "early" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await creator.Http.Post($"/api/tasks/{id}/approve", new { })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await creator.Http.Post($"/api/tasks/{Guid.NewGuid()}/approve", new { })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Put($"/api/tasks/{id}", new { status = "input_required" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        await using (var socket = await WsClient.Connect(fixture.Server, creator.Token))
        {
            await socket.Register(new { });
            var refused = await socket.Request("task:request_input", new { task_id = id, question = "?" });
            refused["event"]!.GetValue<string>().ShouldBe("error");
            refused["data"]!["code"]!.GetValue<string>().ShouldBe("forbidden");
            var missing = await socket.Request("task:send_back", new { comment = "?" });
            (missing["data"]!["code"]!.GetValue<string>(), missing["data"]!["field"]!.GetValue<string>()).ShouldBe(("invalid", "task_id"));
        }

        var after = (await creator.Http.Get($"/api/tasks/{id}")).Json;
        after.ToJsonString().ShouldBe(before.ToJsonString());
    }

    [Fact]
    public async Task MCP_agents_ask_answer_and_decide_with_tools()
    {
        var creator = await fixture.RegisterBusy("hitl-mcp-boss");
        var worker = await fixture.RegisterBusy("hitl-mcp-worker");
        await using var boss = await McpAgent.Connect(fixture.Server, creator.Token);
        await using var mcp = await McpAgent.Connect(fixture.Server, worker.Token);
        var task = await boss.Call("create_task", new { title = "mcp approval", assign_to = worker.Name, requires_approval = true });
        var id = task["id"]!.GetValue<string>();

        (await mcp.Call("request_input", new { task_id = id, question = "Short or long?" }))["status"]!.GetValue<string>().ShouldBe("input_required");
        await mcp.CallFailing("provide_input", new { task_id = id, answer = "long" }, "forbidden");
        (await boss.Call("provide_input", new { task_id = id, answer = "short" }))["status"]!.GetValue<string>().ShouldBe("in_progress");
        var inbox = await mcp.Call("read_inbox");
        inbox["events"]!.AsArray().ShouldContain(e => e!["event"]!.GetValue<string>() == "task:input_provided"
                                                      && e["data"]!["input_request"]!["answer"]!.GetValue<string>() == "short");
        (await mcp.Call("complete_task", new { task_id = id, result = "done" }))["status"]!.GetValue<string>().ShouldBe("awaiting_approval");
        (await boss.Call("send_back_task", new { task_id = id, comment = "shorter" }))["status"]!.GetValue<string>().ShouldBe("in_progress");
        await mcp.Call("complete_task", new { task_id = id, result = "done, shorter" });
        (await boss.Call("approve_task", new { task_id = id }))["status"]!.GetValue<string>().ShouldBe("completed");
    }

    private static Func<JsonNode, bool> Is(string eventName, string taskId) =>
        frame => frame["event"]!.GetValue<string>() == eventName && frame["data"]?["id"]?.GetValue<string>() == taskId;
}
