using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Plugins;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.Hosting;

internal static class PluginHosting
{
    /// <summary>
    /// The plugin runtime and what it runs: plugins registered in code (<c>AddAgentChannelPlugin&lt;T&gt;()</c>, before or
    /// after this call) and those found in the plugins folder, in that order.
    /// </summary>
    public static void AddAgentChannelPlugins(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PluginRuntime>();
        services.AddSingleton<AssignmentChooser>();
        services.AddSingleton<MessageInterception>();
        services.AddSingleton<EventSinkDispatcher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => provider.GetRequiredService<EventSinkDispatcher>());
        services.AddWebhookHttpClient();
        services.AddAgentChannelPlugin(typeof(WebhookSink), "built in");
        if (configuration.GetSection(PluginOptions.Section).Get<PluginOptions>()?.Path is { Length: > 0 } folder)
        {
            foreach (var (type, source) in PluginFolder.Discover(folder))
            {
                services.AddAgentChannelPlugin(type, $"plugins folder: {source}");
            }
        }
    }
}
