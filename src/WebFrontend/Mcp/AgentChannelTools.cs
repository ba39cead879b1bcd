using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Identity;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// The channel as MCP tools: each one is the same grain call the REST API and the WebSocket gateway make,
/// acting as the agent whose bearer token came with the HTTP request. Domain errors leave as tool errors
/// (see <see cref="McpErrors"/>). Parameter names are the wire's snake_case names.
/// </summary>
[McpServerToolType]
public sealed class AgentChannelTools(IGrainFactory grains, TimeProvider clock, IHttpContextAccessor http)
{
    [McpServerTool(Name = "register_agent", Title = "Register an agent", UseStructuredContent = true, OpenWorld = false)]
    [Description("Registers an agent on the channel. A new name returns the agent and its bearer token, shown only " +
                 "this once: configure it as 'Authorization: Bearer <token>' for every later call. Calling it again " +
                 "with that token in the Authorization header updates the agent's type, capabilities and metadata; " +
                 "a name already taken by another agent is a conflict.")]
    public Task<AgentRegistered> RegisterAgent(
        [Description("Unique agent name: 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit (case-insensitive).")] string name,
        [Description("What kind of agent this is, e.g. 'llm', 'coding-assistant'.")] string type,
        [Description("What the agent can do; tasks whose requirements list capabilities go only to agents that have them all.")] string[]? capabilities = null,
        [Description("Any JSON object describing the agent (model, owner, ...).")] JsonElement? metadata = null) =>
        grains.GetGrain<IAgentGrain>(AgentNames.Key(AgentNames.Require(name, "name"))).Register(
            new AgentRegistration(name, type, capabilities, Json(metadata)),
            http.HttpContext is { } context ? AgentTokenAuthenticationHandler.BearerToken(context.Request) : null);

    [McpServerTool(Name = "rotate_token", Title = "Rotate your token", UseStructuredContent = true, OpenWorld = false)]
    [Description("Replaces your bearer token: the answer holds the new one, shown only this once; the token you called " +
                 "with stops at once (401 everywhere) and your open WebSocket connections are closed. Configure the new " +
                 "token as 'Authorization: Bearer <token>' for every later call.")]
    public async Task<AgentRegistered> RotateToken(ClaimsPrincipal? user = null)
    {
        var caller = McpCaller.Of(user);
        return await grains.GetGrain<IAgentGrain>(AgentNames.Key(caller.Name)).RotateToken(caller, keepConnectionId: null);
    }

    [McpServerTool(Name = "list_agents", Title = "List agents", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Lists the registered agents with their status, capabilities and how many open tasks each holds.")]
    public async Task<ItemsResponse<AgentListing>> ListAgents(
        [Description("Only agents with this status.")] AgentStatus? status = null,
        [Description("Only agents of this type.")] string? type = null,
        [Description("Only agents that have this capability.")] string? capability = null,
        ClaimsPrincipal? user = null)
    {
        McpCaller.Of(user);
        return new ItemsResponse<AgentListing>(await grains.GetGrain<IAgentDirectoryGrain>(0)
            .List(new AgentQuery(status, Endpoints.NullIfEmpty(type), Endpoints.NullIfEmpty(capability))));
    }

    [McpServerTool(Name = "send_message", Title = "Send a message", UseStructuredContent = true, OpenWorld = false)]
    [Description("Sends a message as you to agents (recipients), to a channel's members, to a capability (to_capability: " +
                 "mode 'any' reaches one online agent that has it, the least loaded; 'all' every agent that has it), or " +
                 "about a task (its creator and assignee receive it). Give one of recipients, channel or to_capability, " +
                 "or task_id alone. Recipients get it in their inbox (read_inbox) and, if connected over WebSocket, at once.")]
    public Task<MessageInfo> SendMessage(
        [Description("The message text.")] string content,
        [Description("Names of the agents to send it to.")] string[]? recipients = null,
        [Description("A channel name: every member receives it.")] string? channel = null,
        [Description("A task id: the message is about that task.")] Guid? task_id = null,
        [Description("A free-form kind, e.g. 'text' (the default), 'question', 'result'.")] string? message_type = null,
        [Description("Any JSON object to attach.")] JsonElement? metadata = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        [Description("A capability (e.g. 'python'): the message goes to agents that have it, as mode says; the answer's " +
                     "recipients name them.")] string? to_capability = null,
        [Description("With to_capability: 'any' (default) for one online agent, the least loaded; 'all' for every agent " +
                     "that has it, online or not.")] RoleMode? mode = null,
        [Description(ArtifactsDescription)] Guid[]? artifacts = null,
        ClaimsPrincipal? user = null) =>
        grains.GetGrain<IMessagesGrain>(0).Send(McpCaller.Of(user),
            new MessageDraft(content, recipients, channel, task_id, message_type, Json(metadata), to_capability, mode, artifacts),
            IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "read_inbox", Title = "Read your inbox", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Reads your durable inbox (messages, task assignments and task updates addressed to you), oldest " +
                 "first, without consuming anything: reading again returns the same events until you ack_inbox " +
                 "them. Without since_seq it starts after your last ack, so it shows what you have not processed.")]
    public Task<InboxView> ReadInbox(
        [Description("Return events with seq greater than this; default: your acked_seq.")] long? since_seq = null,
        [Description("At most this many events (1-1000, default 100).")] int? limit = null,
        ClaimsPrincipal? user = null) =>
        InboxView.Read(grains, McpCaller.Of(user), since_seq, limit);

    [McpServerTool(Name = "ack_inbox", Title = "Acknowledge inbox events", UseStructuredContent = true, Idempotent = true, OpenWorld = false)]
    [Description("Marks your inbox processed up to and including seq: read_inbox without since_seq, and WebSocket " +
                 "reconnects, then start after it. Acking a lower seq than before changes nothing.")]
    public Task<Events.InboxPosition> AckInbox(
        [Description("The last seq you have processed.")] long seq,
        ClaimsPrincipal? user = null)
    {
        var caller = McpCaller.Of(user);
        return InboxView.Of(grains, caller).Ack(caller, seq);
    }

    [McpServerTool(Name = "create_task", Title = "Create a task", UseStructuredContent = true, OpenWorld = false)]
    [Description("Creates a task with you as its creator. Without assign_to the channel assigns it to a capable, " +
                 "least-loaded online agent (requirements.capabilities lists what it needs); with depends_on it " +
                 "waits until those tasks complete.")]
    public Task<TaskInfo> CreateTask(
        [Description("Short title.")] string title,
        [Description("What is to be done.")] string? description = null,
        [Description("1 (most urgent) to 5; default 3.")] int? priority = null,
        [Description("When it is due (ISO 8601).")] DateTimeOffset? due_date = null,
        [Description("A JSON object; 'capabilities': [..] restricts who may take it.")] JsonElement? requirements = null,
        [Description("Assign it to this agent at once.")] string? assign_to = null,
        [Description("Ids of tasks that must complete first.")] Guid[]? depends_on = null,
        [Description("When true, the assignee's completion waits (awaiting_approval) until you or the operator approve it.")] bool? requires_approval = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null)
    {
        var caller = McpCaller.Of(user);
        var key = IdempotencyKey.Parse(idempotency_key);
        return grains.GetGrain<ITaskGrain>(Endpoints.NewTaskId(key, caller, clock))
            .Create(caller, new NewTask(title, description, priority, due_date, Json(requirements), assign_to, depends_on,
                RequiresApproval: requires_approval ?? false), key);
    }

    [McpServerTool(Name = "claim_task", Title = "Claim a task", UseStructuredContent = true, OpenWorld = false)]
    [Description("Takes a waiting task for you, atomically: two agents never get the same one. Without task_id you " +
                 "get the most urgent (then oldest) waiting task you are capable of. 'task' is null when nothing " +
                 "suitable is waiting (or the named task was taken first).")]
    public async Task<ClaimAck> ClaimTask(
        [Description("A specific waiting task to take; leave out to take the best one for you.")] string? task_id = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null)
    {
        var caller = McpCaller.Of(user);
        var key = IdempotencyKey.Parse(idempotency_key);
        return new ClaimAck(string.IsNullOrEmpty(task_id)
            ? await grains.GetGrain<ITaskDirectoryGrain>(0).Claim(caller, key)
            : await TaskGrainOf(task_id).Claim(caller, key));
    }

    [McpServerTool(Name = "update_task", Title = "Update a task", UseStructuredContent = true, OpenWorld = false)]
    [Description("Changes a task's fields or status; only the fields you give change. Its creator, its assignee " +
                 "or the operator may. The assignee reports progress with status 'in_progress', and passes the task's " +
                 "assignment_id so that a task it no longer holds is refused with lease_lost.")]
    public Task<TaskInfo> UpdateTask(
        [Description("The task's id.")] string task_id,
        [Description("New title.")] string? title = null,
        [Description("New description.")] string? description = null,
        [Description("New priority, 1 (most urgent) to 5.")] int? priority = null,
        [Description("New due date (ISO 8601).")] DateTimeOffset? due_date = null,
        [Description("New requirements (JSON object).")] JsonElement? requirements = null,
        [Description("New status.")] AgentTaskStatus? status = null,
        [Description("A result (any JSON), e.g. with status 'failed'.")] JsonElement? result = null,
        [Description("New list of ids of tasks that must complete first.")] Guid[]? depends_on = null,
        [Description(AssignmentIdDescription)] Guid? assignment_id = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).Update(McpCaller.Of(user),
            new TaskUpdate(title, description, priority, due_date, Json(requirements), status, Json(result), depends_on, assignment_id),
            IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "complete_task", Title = "Complete a task", UseStructuredContent = true, OpenWorld = false)]
    [Description("Marks a task you are assigned completed, with its result (awaiting_approval first when the task " +
                 "requires approval). Its creator is told. Pass the task's " +
                 "assignment_id: if the task was taken back or handed on meanwhile, the call is refused with lease_lost.")]
    public Task<TaskInfo> CompleteTask(
        [Description("The task's id.")] string task_id,
        [Description("The outcome: any JSON (an object, a string, ...).")] JsonElement? result = null,
        [Description(AssignmentIdDescription)] Guid? assignment_id = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        [Description(ArtifactsDescription)] Guid[]? artifacts = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).Complete(McpCaller.Of(user), Json(result), assignment_id, IdempotencyKey.Parse(idempotency_key), artifacts);

    [McpServerTool(Name = "request_input", Title = "Ask the task's creator a question", UseStructuredContent = true, OpenWorld = false)]
    [Description("Asks the creator of a task you hold a question; the task becomes input_required (its lease paused) " +
                 "until the creator or the operator answers. The answer reaches you as the inbox event task:input_provided " +
                 "(read_inbox), and the task is in_progress again.")]
    public Task<TaskInfo> RequestInput(
        [Description("The task's id.")] string task_id,
        [Description("What you need to know.")] string question,
        [Description(AssignmentIdDescription)] Guid? assignment_id = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).RequestInput(McpCaller.Of(user), question, assignment_id, IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "provide_input", Title = "Answer a task's question", UseStructuredContent = true, OpenWorld = false)]
    [Description("Answers the question of a task you created that is input_required; its assignee gets the answer " +
                 "(task:input_provided) and the task is in_progress again.")]
    public Task<TaskInfo> ProvideInput(
        [Description("The task's id.")] string task_id,
        [Description("The answer.")] string answer,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).ProvideInput(McpCaller.Of(user), answer, IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "approve_task", Title = "Approve a task", UseStructuredContent = true, OpenWorld = false)]
    [Description("Approves a task you created that is awaiting_approval: it is completed, and tasks depending on it go ahead.")]
    public Task<TaskInfo> ApproveTask(
        [Description("The task's id.")] string task_id,
        [Description("Optional remark for the assignee.")] string? comment = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).Approve(McpCaller.Of(user), comment, IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "send_back_task", Title = "Send a task back", UseStructuredContent = true, OpenWorld = false)]
    [Description("Sends a task you created that is awaiting_approval back to its assignee (in_progress) with a comment " +
                 "saying what to change; the assignee gets task:sent_back.")]
    public Task<TaskInfo> SendBackTask(
        [Description("The task's id.")] string task_id,
        [Description("What is to change.")] string comment,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null) =>
        TaskGrainOf(task_id).SendBack(McpCaller.Of(user), comment, IdempotencyKey.Parse(idempotency_key));

    [McpServerTool(Name = "list_tasks", Title = "List tasks", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Lists tasks, newest first, filtered by status, assignee, creator or priority. Pass next_cursor " +
                 "back as cursor for the next page.")]
    public async Task<TaskPage> ListTasks(
        [Description("Only tasks with this status.")] AgentTaskStatus? status = null,
        [Description("Only tasks assigned to this agent.")] string? assignee = null,
        [Description("Only tasks created by this agent.")] string? creator = null,
        [Description("Only tasks with this priority.")] int? priority = null,
        [Description("Page size (default 50).")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        ClaimsPrincipal? user = null)
    {
        McpCaller.Of(user);
        return await grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(status, Endpoints.NullIfEmpty(assignee),
            Endpoints.NullIfEmpty(creator), priority, limit ?? 50, Endpoints.NullIfEmpty(cursor)));
    }

    [McpServerTool(Name = "get_memory", Title = "Read shared memory", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Reads a shared-memory key: its JSON value and its version (use the version as expected_version " +
                 "in set_memory to update it safely).")]
    public Task<MemoryEntry> GetMemory(
        [Description("The key, e.g. 'project/plan'.")] string key,
        ClaimsPrincipal? user = null) =>
        grains.MemoryGrain(key).Get(McpCaller.Of(user));

    [McpServerTool(Name = "set_memory", Title = "Write shared memory", UseStructuredContent = true, OpenWorld = false)]
    [Description("Creates or replaces a shared-memory key's JSON value. With expected_version it is a compare-and-set: " +
                 "if the key has moved on, nothing changes and the error is 'conflict' with current_version " +
                 "(expected_version 0 means 'only if the key does not exist yet').")]
    public async Task<MemoryEntry> SetMemory(
        [Description("The key, e.g. 'project/plan' (up to 256 characters).")] string key,
        [Description("The value: any JSON.")] JsonElement value,
        [Description("Write only if the key is at this version.")] long? expected_version = null,
        [Description("Delete the key this many seconds after this write.")] double? ttl_seconds = null,
        [Description("Who may read it: agent names or '*' (default: unchanged, everyone for a new key).")] string[]? read = null,
        [Description("Who may write it: agent names or '*' (default: unchanged, everyone for a new key).")] string[]? write = null,
        [Description(IdempotencyKeyDescription)] string? idempotency_key = null,
        ClaimsPrincipal? user = null)
    {
        var written = await grains.MemoryGrain(key).TrySet(McpCaller.Of(user),
            new MemoryWrite(RawJson.From(value), AccessOf(read, write), expected_version, ttl_seconds), IdempotencyKey.Parse(idempotency_key)).OrThrow();
        return written.Entry;
    }

    [McpServerTool(Name = "list_memory", Title = "List shared memory keys", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Lists the shared-memory keys you may read, in key order, without their values.")]
    public Task<MemoryKeyPage> ListMemory(
        [Description("Only keys starting with this, e.g. 'project/'.")] string? prefix = null,
        [Description("Page size (default 100).")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        ClaimsPrincipal? user = null) =>
        grains.GetGrain<IMemoryDirectoryGrain>(0).List(McpCaller.Of(user), Endpoints.NullIfEmpty(prefix), limit ?? 100, Endpoints.NullIfEmpty(cursor));

    [McpServerTool(Name = "search_messages", Title = "Search message history", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Full-text search of the messages you may read (sent, received, posted to a channel while you were a " +
                 "member, or in the thread of a task you created or were assigned), most relevant first, each with a " +
                 "snippet marking the matched words with **. Every word of the query must occur; end a word with * to " +
                 "match it as a prefix; punctuation only separates words.")]
    public Task<MessageSearchPage> SearchMessages(
        [Description("The words to search for, e.g. 'deploy failed'.")] string q,
        [Description("Only messages sent by this agent (a filter: you always search as yourself).")] string? from_agent = null,
        [Description("Only messages sent to this agent.")] string? to_agent = null,
        [Description("Only posts to this channel.")] string? channel = null,
        [Description("Only messages in this task's thread.")] Guid? task_id = null,
        [Description("Only messages at or after this time (ISO 8601).")] DateTimeOffset? since = null,
        [Description("Only messages before this time (ISO 8601).")] DateTimeOffset? before = null,
        [Description("Page size (1-500, default 50).")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        ClaimsPrincipal? user = null) =>
        grains.GetGrain<IMessagesGrain>(0).Search(McpCaller.Of(user), q, new MessageQuery(
            Endpoints.NullIfEmpty(from_agent), Endpoints.NullIfEmpty(to_agent), Endpoints.NullIfEmpty(channel), task_id,
            since, before, limit ?? 50, Endpoints.NullIfEmpty(cursor)));

    [McpServerTool(Name = "search_memory", Title = "Search shared memory", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Full-text search over the keys and JSON values of the shared-memory keys you may read, most relevant " +
                 "first, each with a snippet of its value (matched words between **); read a hit's whole value with " +
                 "get_memory. Words as in search_messages.")]
    public Task<MemorySearchPage> SearchMemory(
        [Description("The words to search for, e.g. 'dataset schema'.")] string q,
        [Description("Only keys starting with this, e.g. 'project/'.")] string? prefix = null,
        [Description("Page size (default 100).")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        ClaimsPrincipal? user = null) =>
        grains.GetGrain<IMemoryDirectoryGrain>(0).Search(McpCaller.Of(user), q, Endpoints.NullIfEmpty(prefix), limit ?? 100, Endpoints.NullIfEmpty(cursor));

    private const string AssignmentIdDescription =
        "The task's assignment_id as you got it (task:assigned, claim_task): the fence of your hold on the task. " +
        "If that assignment is over (lease expired, taken back, handed on), the call is refused with lease_lost and changes nothing.";

    internal const string ArtifactsDescription =
        "Optional: ids of artifacts to attach (upload_artifact gives one; at most 32). You must be able to read each; " +
        "whoever may read what you attach them to may then read them too.";

    private const string IdempotencyKeyDescription =
        "Optional: a unique string (a UUID) naming this call. Calling again with the same key and the same arguments " +
        "(after a lost answer) repeats nothing and returns the first answer; the same key with other arguments is refused " +
        "with idempotency_mismatch. Keys are kept 24 hours by default.";

    private ITaskGrain TaskGrainOf(string id) => grains.GetGrain<ITaskGrain>(Endpoints.RequireGuid(id, "task"));

    /// <summary>A JSON argument as the grains take it; an absent one stays absent.</summary>
    private static RawJson? Json(JsonElement? element) =>
        element is { ValueKind: not JsonValueKind.Undefined } value ? RawJson.From(value) : null;

    /// <summary>Only the lists given change; a list left out keeps its value (the grain's rule).</summary>
    private static AccessControl? AccessOf(string[]? read, string[]? write) =>
        read is null && write is null ? null : new AccessControl(read!, write!);
}
