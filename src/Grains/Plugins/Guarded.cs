using Polly;

namespace Orleans.AgentChannel.Plugins;

/// <summary>A plugin instance with its health record and its guard.</summary>
public sealed record Guarded<TPlugin>(TPlugin Instance, PluginHealth Health, ResiliencePipeline Pipeline) where TPlugin : class;
