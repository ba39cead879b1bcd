using System.Diagnostics;
using System.Runtime.CompilerServices;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Channels;
using Orleans.AgentChannel.Client.Memory;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Memory;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Client;

// Every operation is one call to the grain that owns the entity, as the agent (never as anyone else): the
// same rules, limits and error codes as REST and WebSocket. A cancellation token stops the wait, not the call.
// Writes carry an idempotency key made for the call and are tried again with it while the cluster does not answer.
public sealed partial class AgentClient
{
    // ---------------------------------------------------------------- messages

    /// <summary>
    /// Sends a message to agents (<paramref name="recipients"/>), to a <paramref name="channel"/>, or into a task's
    /// thread (<paramref name="taskId"/> alone reaches the task's creator and assignee). Returns it as stored.
    /// </summary>
    public Task<MessageInfo> SendMessageAsync(string content, IEnumerable<string>? recipients = null, string? channel = null,
        Guid? taskId = null, string? messageType = null, object? metadata = null, CancellationToken cancellationToken = default) =>
        SendMessageAsync(new MessageDraft(content, recipients?.ToList(), channel, taskId, messageType, JsonValues.From(metadata, _options.JsonOptions)),
            cancellationToken);

    /// <summary>
    /// Sends a message to the agents that have <paramref name="capability"/>: with <see cref="RoleMode.Any"/> (the default)
    /// to one online agent that has it, the least loaded as the task engine ranks them; with <see cref="RoleMode.All"/> to
    /// every agent that has it, online or not. The stored message names the agents it reached in
    /// <see cref="MessageInfo.Recipients"/>; none to reach is not_found (nobody has it) or, for any, conflict (none online).
    /// </summary>
    public Task<MessageInfo> SendToCapabilityAsync(string capability, string content, RoleMode mode = RoleMode.Any, Guid? taskId = null,
        string? messageType = null, object? metadata = null, CancellationToken cancellationToken = default) =>
        SendMessageAsync(new MessageDraft(content, TaskId: taskId, MessageType: messageType,
            Metadata: JsonValues.From(metadata, _options.JsonOptions), ToCapability: capability, Mode: mode), cancellationToken);

    public Task<MessageInfo> SendMessageAsync(MessageDraft draft, CancellationToken cancellationToken = default) =>
        Write("message:send", key => _sends.Send(draft, key), cancellationToken);

    /// <summary>
    /// Message history, newest first unless <see cref="MessageQuery.Ascending"/>: only what this agent may read (it sent
    /// or received it, it was posted to a channel while the agent was a member, or it is in the thread of a task the
    /// agent created or was assigned).
    /// </summary>
    public Task<MessagePage> GetMessagesAsync(MessageQuery query, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IMessagesGrain>(0).List(_caller, query), cancellationToken);

    /// <summary>
    /// Full-text search of this agent's history (what <see cref="GetMessagesAsync"/> reads), most relevant first:
    /// messages holding every word of <paramref name="text"/> (a word ending in <c>*</c> is a prefix; punctuation only
    /// separates words), filtered by <paramref name="query"/> (its order is not used). Text without a word is invalid.
    /// </summary>
    public Task<MessageSearchPage> SearchMessagesAsync(string text, MessageQuery? query = null, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IMessagesGrain>(0).Search(_caller, text, query ?? new MessageQuery()), cancellationToken);

    /// <summary>One message this agent may read (as for <see cref="GetMessagesAsync"/>); any other is not_found.</summary>
    public Task<MessageInfo> GetMessageAsync(Guid messageId, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IMessagesGrain>(0).Get(_caller, messageId), cancellationToken);

    // ---------------------------------------------------------------- tasks

    /// <summary>
    /// Creates a task with this agent as its creator. <paramref name="assignTo"/> assigns it at once; otherwise
    /// the assignment engine gives it to an online agent with the capabilities named in
    /// <paramref name="requirements"/> (e.g. <c>new { capabilities = new[] { "summarize" } }</c>).
    /// Priority runs from 1 (most urgent) to 5 (default 3).
    /// </summary>
    public Task<TaskInfo> CreateTaskAsync(string title, string? description = null, int? priority = null, DateTimeOffset? dueDate = null,
        object? requirements = null, string? assignTo = null, IReadOnlyList<Guid>? dependsOn = null, CancellationToken cancellationToken = default) =>
        CreateTaskAsync(new NewTask(title, description, priority, dueDate, JsonValues.From(requirements, _options.JsonOptions), assignTo, dependsOn),
            cancellationToken);

    public async Task<TaskInfo> CreateTaskAsync(NewTask task, CancellationToken cancellationToken = default) =>
        _assignments.Learn(await Write("task:create",
            key => _cluster.GetGrain<ITaskGrain>(key.DerivedId(KeyedIds.Task, _caller)).Create(_caller, task, key), cancellationToken))!;

    /// <summary>
    /// Takes the most urgent waiting task this agent has the capabilities for, or returns null when none waits.
    /// The agent also gets it as task:assigned. A <see cref="ConflictException"/> when it holds its limit of tasks.
    /// </summary>
    public async Task<TaskInfo?> ClaimTaskAsync(CancellationToken cancellationToken = default) =>
        _assignments.Learn(await Write("task:claim", key => _cluster.GetGrain<ITaskDirectoryGrain>(0).Claim(_caller, key), cancellationToken));

    /// <summary>Takes this waiting task; null when it no longer waits (someone got it first).</summary>
    public async Task<TaskInfo?> ClaimTaskAsync(Guid taskId, CancellationToken cancellationToken = default) =>
        _assignments.Learn(await Write("task:claim", key => _cluster.GetGrain<ITaskGrain>(taskId).Claim(_caller, key), cancellationToken));

    /// <summary>
    /// Completes a task this agent holds, with a result (any JSON); without one the previous result stays. For a task
    /// this client received (task:assigned, a claim) the call carries that assignment's id by itself: once the
    /// assignment is over (lease expired, taken back, handed on) it is refused with <see cref="LeaseLostException"/>
    /// and changes nothing.
    /// </summary>
    public Task<TaskInfo> CompleteTaskAsync(Guid taskId, object? result = null, CancellationToken cancellationToken = default) =>
        Complete(taskId, result, _assignments.Of(taskId), cancellationToken);

    /// <summary>Completes a task under the assignment <paramref name="assignmentId"/> (<see cref="TaskInfo.AssignmentId"/>).</summary>
    public Task<TaskInfo> CompleteTaskAsync(Guid taskId, object? result, Guid assignmentId, CancellationToken cancellationToken = default) =>
        Complete(taskId, result, assignmentId, cancellationToken);

    /// <summary>
    /// Changes a task; only the fields set change. The assignee reports progress (<c>Status = InProgress</c>, a
    /// partial result) or failure; the creator edits the fields or cancels it. An update that only does an assignee's
    /// work (status in_progress, completed or failed, a result) on a task this client received carries that
    /// assignment's id by itself unless <see cref="TaskUpdate.AssignmentId"/> is set: see <see cref="CompleteTaskAsync(Guid, object?, CancellationToken)"/>.
    /// </summary>
    public async Task<TaskInfo> UpdateTaskAsync(Guid taskId, TaskUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (update.AssignmentId is null && IsAssigneeWork(update) && _assignments.Of(taskId) is { } held)
        {
            update = update with { AssignmentId = held };
        }
        var updated = await Write("task:update", key => _cluster.GetGrain<ITaskGrain>(taskId).Update(_caller, update, key), cancellationToken);
        if (updated.AssignmentId != update.AssignmentId)
        {
            // This agent closed it: nothing left to fence.
            _assignments.Forget(taskId, update.AssignmentId);
        }
        return updated;
    }

    /// <summary>
    /// Asks the creator of a task this agent holds a question: the task is input_required (its lease paused) until the
    /// creator or the operator answers, which reaches this agent as task:input_provided (<see cref="OnTaskInputProvided"/>).
    /// Fenced like <see cref="CompleteTaskAsync(Guid, object?, CancellationToken)"/>.
    /// </summary>
    public Task<TaskInfo> RequestInputAsync(Guid taskId, string question, CancellationToken cancellationToken = default)
    {
        var assignmentId = _assignments.Of(taskId);
        return Write("task:request_input", key => _cluster.GetGrain<ITaskGrain>(taskId).RequestInput(_caller, question, assignmentId, key), cancellationToken);
    }

    /// <summary>Answers the question of a task this agent created (input_required); its assignee continues.</summary>
    public Task<TaskInfo> ProvideInputAsync(Guid taskId, string answer, CancellationToken cancellationToken = default) =>
        Write("task:provide_input", key => _cluster.GetGrain<ITaskGrain>(taskId).ProvideInput(_caller, answer, key), cancellationToken);

    /// <summary>Approves a task this agent created that awaits approval: it is completed and its dependents go ahead.</summary>
    public Task<TaskInfo> ApproveTaskAsync(Guid taskId, string? comment = null, CancellationToken cancellationToken = default) =>
        Write("task:approve", key => _cluster.GetGrain<ITaskGrain>(taskId).Approve(_caller, comment, key), cancellationToken);

    /// <summary>Sends a task this agent created that awaits approval back to its assignee, with what is to change.</summary>
    public Task<TaskInfo> SendBackTaskAsync(Guid taskId, string comment, CancellationToken cancellationToken = default) =>
        Write("task:send_back", key => _cluster.GetGrain<ITaskGrain>(taskId).SendBack(_caller, comment, key), cancellationToken);

    /// <summary>Assigns (or hands on) a task to a registered agent.</summary>
    public async Task<TaskInfo> AssignTaskAsync(Guid taskId, string agentName, CancellationToken cancellationToken = default) =>
        _assignments.Learn(await Write("task:assign", key => _cluster.GetGrain<ITaskGrain>(taskId).Assign(_caller, agentName, key), cancellationToken))!;

    /// <summary>
    /// The assignment under which this client holds a task, as its completions and updates send it; null when it got
    /// the task before this client started, or does not hold it.
    /// </summary>
    public Guid? HeldAssignment(Guid taskId) => _assignments.Of(taskId);

    private async Task<TaskInfo> Complete(Guid taskId, object? result, Guid? assignmentId, CancellationToken cancellationToken,
        IReadOnlyList<Guid>? artifacts = null)
    {
        var json = JsonValues.From(result, _options.JsonOptions);
        var completed = await Write("task:complete",
            key => _cluster.GetGrain<ITaskGrain>(taskId).Complete(_caller, json, assignmentId, key, artifacts), cancellationToken);
        if (completed.AssignmentId != assignmentId)
        {
            // Closed. A completion awaiting approval keeps the assignment: the task may be sent back.
            _assignments.Forget(taskId, assignmentId);
        }
        return completed;
    }

    /// <summary>Only what an assignee does (progress, completion, failure, a result): the creator's edits and cancels are not fenced.</summary>
    private static bool IsAssigneeWork(TaskUpdate update) =>
        update.Title is null && update.Description is null && update.Priority is null && update.DueDate is null
        && update.Requirements is null && update.DependsOn is null && update.Status is not AgentTaskStatus.Cancelled;

    public Task<TaskInfo> GetTaskAsync(Guid taskId, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<ITaskGrain>(taskId).Get(), cancellationToken);

    /// <summary>Tasks, newest first.</summary>
    public Task<TaskPage> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<ITaskDirectoryGrain>(0).List(query), cancellationToken);

    // ---------------------------------------------------------------- memory

    /// <summary>
    /// Creates or replaces a memory key. <paramref name="expectedVersion"/> makes it a compare-and-set (0: only if
    /// the key does not exist yet); a stale version throws <see cref="ConflictException"/> with the current version.
    /// Only the key's creator may change its <paramref name="accessControl"/>; a <paramref name="timeToLive"/> deletes
    /// the key that long after this write.
    /// </summary>
    public async Task<MemoryEntry> SetMemoryAsync<T>(string key, T value, long? expectedVersion = null, AccessControl? accessControl = null,
        TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var json = JsonValues.From(value, _options.JsonOptions);
        if (json is null || json.Value.IsNull)
        {
            throw new InvalidRequestException("A memory value cannot be null; delete the key instead.", "value");
        }
        var write = new MemoryWrite(json, accessControl, expectedVersion, timeToLive?.TotalSeconds);
        return (await Write("memory:set", idempotencyKey => MemoryKey(key).TrySet(_caller, write, idempotencyKey).OrThrow(), cancellationToken)).Entry;
    }

    /// <summary>A memory key as stored (its value as raw JSON); <see cref="NotFoundException"/> when it does not exist.</summary>
    public Task<MemoryEntry> GetMemoryAsync(string key, CancellationToken cancellationToken = default) =>
        Call(() => MemoryKey(key).Get(_caller), cancellationToken);

    /// <summary>A memory key's value read as <typeparamref name="T"/>, with its version for a later compare-and-set.</summary>
    public async Task<MemoryValue<T>> GetMemoryAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var entry = await GetMemoryAsync(key, cancellationToken);
        return new MemoryValue<T>(entry.Key, entry.Value.Deserialize<T>(_options.JsonOptions)!, entry.Version, entry);
    }

    /// <summary>Deletes a key (write access needed); <paramref name="expectedVersion"/> makes it conditional.</summary>
    public Task DeleteMemoryAsync(string key, long? expectedVersion = null, CancellationToken cancellationToken = default) =>
        Write("memory:delete", async idempotencyKey =>
        {
            await MemoryKey(key).Delete(_caller, expectedVersion, idempotencyKey);
            return true;
        }, cancellationToken);

    /// <summary>The keys under <paramref name="prefix"/> this agent may read, in key order, without values.</summary>
    public Task<MemoryKeyPage> ListMemoryAsync(string? prefix = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IMemoryDirectoryGrain>(0).List(_caller, prefix, limit, cursor), cancellationToken);

    /// <summary>
    /// Full-text search over the keys and JSON values this agent may read (as <see cref="ListMemoryAsync"/> lists
    /// them), most relevant first; words as for <see cref="SearchMessagesAsync"/>.
    /// </summary>
    public Task<MemorySearchPage> SearchMemoryAsync(string text, string? prefix = null, int limit = 50, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IMemoryDirectoryGrain>(0).Search(_caller, text, prefix, limit, cursor), cancellationToken);

    /// <summary>
    /// Asks for memory:updated whenever this key changes (delivered only while this agent may read it), in force
    /// when this returns. Watches belong to this client; with <paramref name="snapshot"/> the key as it stands
    /// now arrives first, as an update marked <see cref="MemoryUpdated.Snapshot"/> (so nothing changed before
    /// the watch goes unseen). If the cluster lost this client's watches (a silo died), snapshots come by themselves.
    /// </summary>
    public Task<MemoryWatches> WatchMemoryAsync(string key, bool snapshot = false, CancellationToken cancellationToken = default) =>
        ChangeWatch(new MemoryWatch(RequireMemoryKey(key), IsPrefix: false), add: true, snapshot, cancellationToken);

    /// <summary>Asks for memory:updated for every key under <paramref name="prefix"/> this agent may read (see <see cref="WatchMemoryAsync"/>).</summary>
    public Task<MemoryWatches> WatchMemoryPrefixAsync(string prefix, bool snapshot = false, CancellationToken cancellationToken = default) =>
        ChangeWatch(new MemoryWatch(RequireMemoryKey(prefix, "prefix"), IsPrefix: true), add: true, snapshot, cancellationToken);

    public Task<MemoryWatches> UnwatchMemoryAsync(string key, CancellationToken cancellationToken = default) =>
        ChangeWatch(new MemoryWatch(RequireMemoryKey(key), IsPrefix: false), add: false, snapshot: false, cancellationToken);

    public Task<MemoryWatches> UnwatchMemoryPrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        ChangeWatch(new MemoryWatch(RequireMemoryKey(prefix, "prefix"), IsPrefix: true), add: false, snapshot: false, cancellationToken);

    private async Task<MemoryWatches> ChangeWatch(MemoryWatch watch, bool add, bool snapshot, CancellationToken cancellationToken)
    {
        await Call(() => Renew(interest => MemoryWatchList.Change(interest, watch, add)), cancellationToken);
        if (add && snapshot)
        {
            await Call(async () =>
            {
                await DeliverSnapshots([watch]);
                return true;
            }, cancellationToken);
        }
        return _watches.Current;
    }

    /// <summary>Called inside <see cref="Call{T}"/>, which turns a blank key's refusal into <see cref="InvalidRequestException"/>.</summary>
    private IMemoryGrain MemoryKey(string key) => _cluster.MemoryGrain(key);

    private static string RequireMemoryKey(string key, string field = "key")
    {
        try
        {
            return MemoryKeys.Require(key, field);
        }
        catch (AgentChannelException refused)
        {
            throw AgentRequestException.From(refused);
        }
    }

    // ---------------------------------------------------------------- channels

    /// <summary>Joins a channel (creating it on first use); its messages then arrive as message:received.</summary>
    public Task<ChannelInfo> JoinChannelAsync(string channel, CancellationToken cancellationToken = default) =>
        Write("channel:join", key => Channel(channel).Join(_caller, key), cancellationToken);

    public Task<ChannelInfo> LeaveChannelAsync(string channel, CancellationToken cancellationToken = default) =>
        Write("channel:leave", key => Channel(channel).Leave(_caller, key), cancellationToken);

    public Task<ChannelInfo> GetChannelAsync(string channel, CancellationToken cancellationToken = default) =>
        Call(() => Channel(channel).Get(), cancellationToken);

    public Task<IReadOnlyList<ChannelSummary>> ListChannelsAsync(CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IChannelDirectoryGrain>(0).List(), cancellationToken);

    private IChannelGrain Channel(string channel) =>
        _cluster.GetGrain<IChannelGrain>(AgentNames.Key(AgentNames.Require(channel, "channel")));

    // ---------------------------------------------------------------- agents

    /// <summary>Registered agents with their open task counts.</summary>
    public Task<IReadOnlyList<AgentListing>> ListAgentsAsync(AgentQuery? query = null, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IAgentDirectoryGrain>(0).List(query ?? new AgentQuery()), cancellationToken);

    /// <summary>One agent by name or id.</summary>
    public Task<AgentInfo> GetAgentAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        Call(() => _cluster.GetGrain<IAgentDirectoryGrain>(0).Resolve(nameOrId), cancellationToken);

    /// <summary>
    /// Sets this agent's presence. <c>Busy</c> keeps the assignment engine from giving it more tasks (it may still
    /// claim them). While the client runs, an agent set <c>Offline</c> comes back online at the next heartbeat.
    /// </summary>
    public async Task<AgentInfo> SetStatusAsync(AgentStatus status, CancellationToken cancellationToken = default) =>
        _agent = await Call(() => _grain.SetStatus(_caller, status), cancellationToken);

    /// <summary>Sends a heartbeat now (the client sends them by itself); <paramref name="status"/> may switch between online and busy.</summary>
    public async Task<AgentInfo> HeartbeatAsync(AgentStatus? status = null, CancellationToken cancellationToken = default) =>
        _agent = await Call(() => _grain.Heartbeat(_caller, status), cancellationToken);

    // ---------------------------------------------------------------- calls

    /// <summary>
    /// A write: one call with a new idempotency key, tried again with the same key (backing off, up to
    /// <see cref="AgentClientOptions.WriteAttempts"/>) while the cluster does not answer, so it happens at most once even
    /// when an attempt was stored but its answer lost. What the cluster refuses is thrown at once, as from <see cref="Call{T}"/>.
    /// </summary>
    private async Task<T> Write<T>(string operation, Func<IdempotencyKey, Task<T>> call, CancellationToken cancellationToken)
    {
        var key = IdempotencyKey.New();
        var delay = _options.WriteRetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Call(() => call(key), cancellationToken, operation);
            }
            catch (Exception error) when (IsUnanswered(error) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= _options.WriteAttempts)
                {
                    throw new WriteNotConfirmedException(operation, key.Value, attempt, error);
                }
                var wait = delay * (0.5 + Random.Shared.NextDouble() / 2);
                LogWriteRetry(error, operation, Name, attempt, key.Value, wait);
                await Task.Delay(wait, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.WriteRetryMaxDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Failures that say nothing about the write: it may or may not have been carried out (the connection to the
    /// gateway went, the silo holding the grain died, the answer did not come in time, or a silo answered that the
    /// cluster could not serve it just now).
    /// </summary>
    private static bool IsUnanswered(Exception error) => error is TimeoutException or SiloUnavailableException or UnavailableException
        or OrleansMessageRejectionException or GatewayTooBusyException or Runtime.Messaging.ConnectionFailedException
        || (error is OrleansException && error.InnerException is { } inner && IsUnanswered(inner));

    /// <summary>One grain call: domain errors become the typed exceptions; a cancelled wait leaves the call running.</summary>
    /// <remarks>
    /// A span of its own (<see cref="AgentChannelTracing.AgentClient"/>) under the caller's current span, when the
    /// application traces; Orleans' activity propagation carries it into the cluster as the calls' W3C traceparent.
    /// </remarks>
    private async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancellationToken = default, [CallerMemberName] string operation = "")
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        using var presented = ClusterCredential.Present(Token);
        using var span = AgentChannelTracing.AgentClient.StartActivity($"agentclient {operation}", ActivityKind.Client);
        span?.SetTag(AgentChannelTracing.AgentTag, Name);
        try
        {
            return await call().WaitAsync(cancellationToken);
        }
        catch (AgentChannelException error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error.Code.ToString());
            throw AgentRequestException.From(error);
        }
    }
}
