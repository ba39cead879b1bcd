namespace Orleans.AgentChannel.Hosting;

public static class AgentChannelStorage
{
    /// <summary>The grain storage AgentChannel grains persist their state in (task grains: <see cref="Tasks.TaskStateStorage"/>).</summary>
    public const string Name = "agentchannel";
}
