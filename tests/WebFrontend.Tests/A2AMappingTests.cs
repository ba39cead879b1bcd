using System.Text.Json;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.A2A;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// The A2A adapter's translation, and how /a2a answers hostile input; the protocol itself is tested with the
/// official JS client (tests/Interop).
/// </summary>
public sealed class A2AMappingTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_body_over_the_request_limit_is_a_too_large_error_not_an_internal_one()
    {
        var agent = await fixture.Register("a2a-big");
        var text = new string('x', 1_100_000);
        var body = """{"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {"role": "ROLE_USER", "messageId": "m", "parts": [{"text": "TEXT"}]}}}"""
            .Replace("TEXT", text, StringComparison.Ordinal);

        using var response = await agent.Http.PostAsync("/a2a", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        reply.GetProperty("error").GetProperty("data").GetProperty("code").GetString().ShouldBe("too_large", reply.ToString());
        (await fixture.Operator.Get($"/api/tasks?creator={agent.Name}")).Json["items"]!.AsArray().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(AgentTaskStatus.Pending, TaskStates.Submitted)]
    [InlineData(AgentTaskStatus.Blocked, TaskStates.Submitted)]
    [InlineData(AgentTaskStatus.Assigned, TaskStates.Working)]
    [InlineData(AgentTaskStatus.InProgress, TaskStates.Working)]
    [InlineData(AgentTaskStatus.Completed, TaskStates.Completed)]
    [InlineData(AgentTaskStatus.Failed, TaskStates.Failed)]
    [InlineData(AgentTaskStatus.Cancelled, TaskStates.Canceled)]
    [InlineData(AgentTaskStatus.InputRequired, TaskStates.InputRequired)]
    [InlineData(AgentTaskStatus.AwaitingApproval, TaskStates.Working)]
    public void Each_status_maps_to_an_A2A_state(AgentTaskStatus status, string state) =>
        A2AMapping.StateOf(status).ShouldBe(state);

    [Fact]
    public void Every_status_is_mapped_and_only_closed_ones_are_terminal()
    {
        foreach (var status in Enum.GetValues<AgentTaskStatus>())
        {
            TaskStates.IsTerminal(A2AMapping.StateOf(status))
                .ShouldBe(status is AgentTaskStatus.Completed or AgentTaskStatus.Failed or AgentTaskStatus.Cancelled, status.ToString());
        }
    }

    [Theory]
    [InlineData(ErrorKind.NotFound, A2AMethods.GetTask, JsonRpcCodes.TaskNotFound)]
    [InlineData(ErrorKind.Invalid, A2AMethods.SendMessage, JsonRpcCodes.InvalidParams)]
    [InlineData(ErrorKind.TooLarge, A2AMethods.SendMessage, JsonRpcCodes.InvalidParams)]
    [InlineData(ErrorKind.Conflict, A2AMethods.CancelTask, JsonRpcCodes.TaskNotCancelable)]
    [InlineData(ErrorKind.Forbidden, A2AMethods.CancelTask, JsonRpcCodes.TaskNotCancelable)]
    [InlineData(ErrorKind.Conflict, A2AMethods.SubscribeToTask, JsonRpcCodes.UnsupportedOperation)]
    [InlineData(ErrorKind.Forbidden, A2AMethods.SendMessage, JsonRpcCodes.UnsupportedOperation)]
    public void Domain_errors_become_A2A_errors_carrying_our_code(ErrorKind kind, string method, int code)
    {
        var error = A2AEndpoint.ToRpcError(new AgentChannelException(kind, "refused", "field"), method);

        error.Code.ShouldBe(code);
        error.Message.ShouldBe("refused");
        var data = JsonSerializer.SerializeToElement(error.Data, A2AEndpoint.Json);
        data.GetProperty("code").GetString().ShouldBe(kind.ToWire());
        data.GetProperty("field").GetString().ShouldBe("field");
    }

    [Fact]
    public void A_failure_of_ours_is_an_internal_error_that_tells_nothing()
    {
        var error = A2AEndpoint.ToRpcError(new InvalidOperationException("connection string with a password"), A2AMethods.GetTask);

        error.Code.ShouldBe(JsonRpcCodes.InternalError);
        error.Message.ShouldNotContain("password");
    }

    [Fact]
    public void A_message_becomes_a_task_titled_by_its_first_line()
    {
        var longLine = new string('x', 100);
        var task = A2AMapping.ToNewTask(Message(["\n  Translate this  \nsecond line", longLine]));

        task.Title.ShouldBe("Translate this");
        task.Description.ShouldBe($"\n  Translate this  \nsecond line\n{longLine}");
        task.Requirements.ShouldBeNull();
        A2AMapping.ToNewTask(Message([longLine])).Title.ShouldBe(new string('x', A2AMapping.DerivedTitleChars - 1) + "…");
    }

    [Fact]
    public void Metadata_sets_title_priority_and_required_capabilities()
    {
        var task = A2AMapping.ToNewTask(Message(["do it"], """{"title": "Named", "priority": 1, "capabilities": ["fr"]}"""));

        task.Title.ShouldBe("Named");
        task.Priority.ShouldBe(1);
        TaskRequirements.Capabilities(task.Requirements!.Value).ShouldBe(["fr"]);
    }

    [Theory]
    [InlineData("""{"priority": "high"}""", "metadata.priority")]
    [InlineData("""{"title": 3}""", "metadata.title")]
    [InlineData("""[1]""", "message.metadata")]
    public void Metadata_of_the_wrong_type_is_invalid_naming_the_field(string metadata, string field) =>
        Should.Throw<AgentChannelException>(() => A2AMapping.ToNewTask(Message(["do it"], metadata))).Field.ShouldBe(field);

    [Fact]
    public void A_message_without_text_is_invalid() =>
        Should.Throw<AgentChannelException>(() => A2AMapping.ToNewTask(new A2AMessage("m", Roles.User, [new Part(Url: "http://x")])))
            .Field.ShouldBe("message.parts");

    [Fact]
    public void The_context_is_the_task_thread()
    {
        var id = Guid.NewGuid();

        A2AMapping.ContinuedTask(new A2AMessage("m", Roles.User, [], ContextId: id.ToString())).ShouldBe(id);
        A2AMapping.ContinuedTask(new A2AMessage("m", Roles.User, [], ContextId: id.ToString(), TaskId: id.ToString())).ShouldBe(id);
        A2AMapping.ContinuedTask(new A2AMessage("m", Roles.User, [])).ShouldBeNull();
        Should.Throw<AgentChannelException>(() =>
                A2AMapping.ContinuedTask(new A2AMessage("m", Roles.User, [], ContextId: Guid.NewGuid().ToString(), TaskId: id.ToString())))
            .Code.ShouldBe(ErrorKind.Invalid);
        Should.Throw<AgentChannelException>(() => A2AMapping.ContinuedTask(new A2AMessage("m", Roles.User, [], TaskId: "nope")))
            .Code.ShouldBe(ErrorKind.NotFound);
    }

    private static A2AMessage Message(IReadOnlyList<string> texts, string? metadata = null) => new(
        "m", Roles.User, texts.Select(text => new Part(Text: text)).ToList(),
        Metadata: metadata is null ? null : JsonSerializer.Deserialize<JsonElement>(metadata));
}
