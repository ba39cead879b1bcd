using Orleans.AgentChannel.Events;
using Orleans.Hosting;

namespace Orleans.AgentChannel.Client;

public static class AgentClientBuilderExtensions
{
    /// <summary>
    /// The stream provider AgentChannel's events travel on, as the silos configure it (memory streams named
    /// <see cref="AgentChannelStreams.ProviderName"/>). Needed on an Orleans client given to
    /// <see cref="AgentClientOptions.ClusterClient"/>; an agent that starts its own client adds it itself.
    /// </summary>
    /// <remarks>
    /// The client only subscribes; the silos' pulling agents deliver to it, so its queue settings need not
    /// match theirs (they would if the client published).
    /// </remarks>
    public static IClientBuilder AddAgentChannelStreams(this IClientBuilder client) =>
        client.AddMemoryStreams(AgentChannelStreams.ProviderName);
}
