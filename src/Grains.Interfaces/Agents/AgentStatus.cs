namespace Orleans.AgentChannel.Agents;

[GenerateSerializer, Alias("agent-status")]
public enum AgentStatus
{
    Online,
    Busy,
    Offline,
}
