namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>Unset <see cref="ReturnImmediately"/> means blocking: answer once the task reached a terminal state.</summary>
public sealed record SendMessageConfiguration(bool? ReturnImmediately = null);
