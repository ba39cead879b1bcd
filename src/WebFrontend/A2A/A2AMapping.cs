using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>
/// Our tasks as A2A tasks and A2A messages as our task drafts and thread messages. Translation only: what a
/// caller may do with a task is decided by its grain.
/// </summary>
public static class A2AMapping
{
    /// <summary>A title cut from the first line of text when the message's metadata names none.</summary>
    public const int DerivedTitleChars = 80;

    /// <summary>
    /// Our statuses as A2A states. Blocked (waiting for the tasks it depends on) has not started, as submitted has
    /// not; its reason goes in the status message. Our input_required is A2A's input-required (the question is the
    /// status message; the requester's next message on the task is the answer). Awaiting approval has no A2A state:
    /// the work is not accepted yet, so it is still working.
    /// </summary>
    public static string StateOf(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Pending or AgentTaskStatus.Blocked => TaskStates.Submitted,
        AgentTaskStatus.Assigned or AgentTaskStatus.InProgress or AgentTaskStatus.AwaitingApproval => TaskStates.Working,
        AgentTaskStatus.InputRequired => TaskStates.InputRequired,
        AgentTaskStatus.Completed => TaskStates.Completed,
        AgentTaskStatus.Failed => TaskStates.Failed,
        AgentTaskStatus.Cancelled => TaskStates.Canceled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>
    /// The task as A2A shows it: the context is the task's own thread (its id), the result is the artifact
    /// <c>result</c>, and the whole task as our REST API returns it is the metadata <c>agentchannel_task</c>.
    /// </summary>
    public static A2ATask ToA2A(TaskInfo task)
    {
        var id = IdOf(task);
        return new A2ATask(id, id, StatusOf(task), task.Result is { IsNull: false } result ? [ResultArtifact(result)] : [], [],
            JsonSerializer.SerializeToElement(new Dictionary<string, TaskInfo> { ["agentchannel_task"] = task }, AgentChannelJson.Options));
    }

    public static A2ATaskStatus StatusOf(TaskInfo task) => new(
        StateOf(task.Status),
        task.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
        StatusText(task) is { } reason
            ? new A2AMessage($"{task.Id}-{task.UpdatedAt.ToUnixTimeMilliseconds()}", Roles.Agent, [new Part(Text: reason)], IdOf(task), IdOf(task))
            : null);

    /// <summary>What the status message says: the open question while input is required, else why it is blocked or failed.</summary>
    private static string? StatusText(TaskInfo task) =>
        task.Status == AgentTaskStatus.InputRequired && task.InputRequest is { } request ? request.Question : task.StatusReason;

    public static Artifact ResultArtifact(RawJson result) =>
        new("result", "result", [new Part(Data: JsonSerializer.Deserialize<JsonElement>(result.Text))]);

    public static string IdOf(TaskInfo task) => task.Id.ToString();

    /// <summary>
    /// A new task from a message: its text parts are the description, its first line the title unless
    /// <c>metadata.title</c> is set; <c>metadata.priority</c> and <c>metadata.capabilities</c> (the skills of the
    /// agent card) go to the task as they would over REST.
    /// </summary>
    public static NewTask ToNewTask(A2AMessage message)
    {
        var text = TextOf(message);
        var metadata = MetadataOf(message);
        var title = metadata?["title"] is { } named
            ? Read<string>(named, "metadata.title", "a string")
            : DerivedTitle(text);
        int? priority = metadata?["priority"] is { } given ? Read<int>(given, "metadata.priority", "an integer") : null;
        RawJson? requirements = metadata?["capabilities"] is { } capabilities
            ? RawJson.Serialize(new JsonObject { ["capabilities"] = capabilities.DeepClone() }, AgentChannelJson.Options)
            : null;
        return new NewTask(title, text, priority, Requirements: requirements);
    }

    /// <summary>The message's text parts, one after another; a message without text has nothing to hand out.</summary>
    public static string TextOf(A2AMessage message)
    {
        var texts = (message.Parts ?? []).Select(part => part.Text).OfType<string>().ToList();
        return texts.Count > 0 && texts.Any(t => !string.IsNullOrWhiteSpace(t))
            ? string.Join("\n", texts)
            : throw AgentChannelException.Invalid("message.parts", "The message needs at least one text part.");
    }

    /// <summary>
    /// The task a message continues: <c>taskId</c>, or <c>contextId</c> (a context is a task's thread); null for
    /// a message that starts a new task. When both are set they must name the same task.
    /// </summary>
    public static Guid? ContinuedTask(A2AMessage message)
    {
        var taskId = ParseId(message.TaskId, "message.taskId");
        var contextId = ParseId(message.ContextId, "message.contextId");
        if (taskId is not null && contextId is not null && taskId != contextId)
        {
            throw AgentChannelException.Invalid("message.contextId",
                "'contextId' is the thread of the task 'taskId' names: leave it out or send the same id.");
        }
        return taskId ?? contextId;
    }

    /// <summary>A task id as A2A requests carry it; one that is no id of ours names no task.</summary>
    public static Guid ParseTaskId(string? id, string field) =>
        ParseId(id, field) ?? throw AgentChannelException.Invalid(field, $"'{field}' (the task id) is required.");

    private static Guid? ParseId(string? id, string field) =>
        string.IsNullOrEmpty(id) ? null
        : Guid.TryParse(id, out var parsed) ? parsed
        : throw AgentChannelException.NotFound($"No task with id '{id}' ({field}).");

    private static string DerivedTitle(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).First(l => l.Length > 0);
        return line.Length <= DerivedTitleChars ? line : string.Concat(line.AsSpan(0, DerivedTitleChars - 1), "…");
    }

    private static JsonObject? MetadataOf(A2AMessage message) =>
        message.Metadata is not { ValueKind: not JsonValueKind.Null } metadata ? null
        : JsonNode.Parse(metadata.GetRawText()) as JsonObject
          ?? throw AgentChannelException.Invalid("message.metadata", "'metadata' must be a JSON object.");

    private static T Read<T>(JsonNode node, string field, string what)
    {
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            throw AgentChannelException.Invalid(field, $"'{field}' must be {what}.");
        }
    }
}
