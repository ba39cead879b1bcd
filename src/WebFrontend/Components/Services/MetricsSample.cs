using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>One second of the console's figures.</summary>
public sealed record MetricsSample(
    DateTimeOffset At,
    int ConnectedAgents,
    int PresentAgents,
    double MessagesPerSecond,
    long MessagesTotal,
    IReadOnlyDictionary<AgentTaskStatus, int> TasksByStatus,
    int QueueDepth,
    double? AssignmentLatencyP50Ms,
    double? AssignmentLatencyP95Ms,
    int AssignmentsLastMinute);
