namespace Orleans.AgentChannel.Hosting;

public static class AgentChannelStorage
{
    /// <summary>The grain storage every AgentChannel grain persists its state in.</summary>
    public const string Name = "agentchannel";
}
