using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>task:claim's ack: the task now held by the caller, or null when nothing suitable was waiting.</summary>
public sealed record ClaimAck(TaskInfo? Task);
