using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// Host-wide instruments (System.Diagnostics.Metrics) fed by the <c>activity</c> stream: stored messages,
/// assignment latency, tasks by status, queue depth and present agents. Counts are re-read from the query
/// tables only after events say they changed (coalesced), never on a timer.
/// </summary>
public sealed partial class ActivityMetrics : IHostedService, IDisposable
{
    public const string MessagesInstrument = "agentchannel.messages";
    public const string AssignmentLatencyInstrument = "agentchannel.tasks.assignment_latency";
    public const string TasksInstrument = "agentchannel.tasks";
    public const string QueueDepthInstrument = "agentchannel.tasks.queue_depth";
    public const string PresentAgentsInstrument = "agentchannel.agents.present";
    public const string StatusTag = "status";

    /// <summary>
    /// Coalesces bursts of events into one re-count. A re-count scans the tasks table and lists every agent, so its
    /// cost grows with both; once a second at most under activity matches what reads these gauges (the console's
    /// charts sample once a second, exporters less often).
    /// </summary>
    private static readonly TimeSpan RefreshDelay = TimeSpan.FromSeconds(1);

    /// <summary>Assignment ids already measured, so a repeated event is not counted twice (bounded).</summary>
    private const int RememberedAssignments = 10_000;

    private readonly IClusterClient _cluster;
    private readonly IGrainFactory _grains;
    private readonly ILogger<ActivityMetrics> _logger;
    private readonly Meter _meter;
    private readonly Counter<long> _messages;
    private readonly Histogram<double> _assignmentLatency;
    private readonly Channel<bool> _refreshRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _measuredLock = new();
    private readonly HashSet<Guid> _measured = [];
    private readonly Queue<Guid> _measuredOrder = new();
    private ActivitySubscription? _subscription;
    private Task? _refreshLoop;
    private volatile IReadOnlyDictionary<AgentTaskStatus, int> _taskCounts = new Dictionary<AgentTaskStatus, int>();
    private volatile int _presentAgents;

    public ActivityMetrics(IClusterClient cluster, IGrainFactory grains, IMeterFactory meters, ILogger<ActivityMetrics> logger)
    {
        _cluster = cluster;
        _grains = grains;
        _logger = logger;
        _meter = meters.Create(Hosting.AgentChannelMetrics.MeterName);
        _messages = _meter.CreateCounter<long>(MessagesInstrument, "{message}", "Messages stored: direct, channel and task-thread");
        _assignmentLatency = _meter.CreateHistogram<double>(AssignmentLatencyInstrument, "ms",
            "How long a task waited (since it was created or re-queued) before an agent was assigned");
        _meter.CreateObservableGauge(TasksInstrument, TaskMeasurements, "{task}", "Tasks by status");
        _meter.CreateObservableGauge(QueueDepthInstrument, () => _taskCounts.GetValueOrDefault(AgentTaskStatus.Pending), "{task}",
            "Tasks waiting for an agent");
        _meter.CreateObservableGauge(PresentAgentsInstrument, () => _presentAgents, "{agent}", "Agents online or busy");
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await ActivitySubscription.Start(_cluster, Handle, _logger);
        _refreshLoop = Task.Run(RefreshLoop, CancellationToken.None);
        RequestRefresh();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_refreshLoop is not null)
        {
            await _refreshLoop;
        }
        if (_subscription is not null)
        {
            await _subscription.Stop();
        }
    }

    private void Handle(AgentEvent item)
    {
        switch (item.Event)
        {
            case EventNames.MessageReceived:
                _messages.Add(1);
                break;
            case EventNames.TaskUpdated:
                MeasureAssignment(item.Data.Deserialize<TaskInfo>(AgentChannelJson.Options)!);
                RequestRefresh();
                break;
            case EventNames.AgentJoined or EventNames.AgentLeft or EventNames.AgentUpdated:
                RequestRefresh();
                break;
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _meter.Dispose();
    }

    /// <summary>
    /// A new assignment's wait: from the release of the previous assignment when the task was re-queued,
    /// from creation for its first one (so a task that was blocked on dependencies counts its blocked time too:
    /// no event says when it became ready). A hand-over (reassignment) is no wait and is not measured.
    /// </summary>
    private void MeasureAssignment(TaskInfo task)
    {
        if (task.Assignments is not [.., var latest] || latest.Status != AssignmentStatus.Assigned || !Remember(latest.Id))
        {
            return;
        }
        DateTimeOffset? waitingSince = task.Assignments.Count == 1
            ? task.CreatedAt
            : task.Assignments[^2] is { Status: AssignmentStatus.Released, CompletedAt: { } releasedAt } ? releasedAt : null;
        if (waitingSince is { } since && latest.AssignedAt >= since)
        {
            _assignmentLatency.Record((latest.AssignedAt - since).TotalMilliseconds);
        }
    }

    private bool Remember(Guid assignmentId)
    {
        lock (_measuredLock)
        {
            if (!_measured.Add(assignmentId))
            {
                return false;
            }
            _measuredOrder.Enqueue(assignmentId);
            if (_measuredOrder.Count > RememberedAssignments)
            {
                _measured.Remove(_measuredOrder.Dequeue());
            }
            return true;
        }
    }

    private void RequestRefresh() => _refreshRequests.Writer.TryWrite(true);

    private async Task RefreshLoop()
    {
        var stopping = _stopping.Token;
        try
        {
            while (await _refreshRequests.Reader.WaitToReadAsync(stopping))
            {
                await Task.Delay(RefreshDelay, stopping);
                _refreshRequests.Reader.TryRead(out _);
                try
                {
                    var counts = _grains.GetGrain<ITaskDirectoryGrain>(0).CountByStatus();
                    var agents = _grains.GetGrain<IAgentDirectoryGrain>(0).List(new AgentQuery());
                    _taskCounts = await counts;
                    _presentAgents = (await agents).Count(agent => agent.Status != AgentStatus.Offline);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRefreshFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private IEnumerable<Measurement<int>> TaskMeasurements()
    {
        var counts = _taskCounts;
        return Enum.GetValues<AgentTaskStatus>().Select(status =>
            new Measurement<int>(counts.GetValueOrDefault(status), new KeyValuePair<string, object?>(StatusTag, AgentChannelJson.WireName(status))));
    }

    [LoggerMessage(LogLevel.Warning, "Metrics could not re-count tasks and agents")]
    private partial void LogRefreshFailed(Exception exception);
}
