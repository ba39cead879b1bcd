namespace Orleans.AgentChannel.Plugins;

/// <summary>Marker interface of the grain that takes the activity stream to the event sinks.</summary>
[Alias("agentchannel.activity-sinks")]
public interface IActivitySinkGrain : IGrainWithStringKey;
