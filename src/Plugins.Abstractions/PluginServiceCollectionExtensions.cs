using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orleans.AgentChannel.Plugins;

public static class PluginServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TPlugin"/> as one singleton serving every extension point it implements
    /// (<see cref="IAssignmentStrategy"/>, <see cref="IMessageInterceptor"/>, <see cref="IEventSink"/>). Its
    /// constructor can take any silo service (ILogger, IGrainFactory, IConfiguration, ...).
    /// Plugins are consulted in the order they are registered.
    /// </summary>
    public static IServiceCollection AddAgentChannelPlugin<TPlugin>(this IServiceCollection services) where TPlugin : class =>
        services.AddAgentChannelPlugin(typeof(TPlugin), source: "registered in code");

    /// <summary>Registers a plugin type found at run time (e.g. in the plugins folder); see the generic overload.</summary>
    public static IServiceCollection AddAgentChannelPlugin(this IServiceCollection services, Type pluginType, string source)
    {
        ArgumentNullException.ThrowIfNull(pluginType);
        var points = PluginDescriptor.ExtensionPointsOf(pluginType);
        if (points.Count == 0)
        {
            throw new ArgumentException(
                $"{pluginType.FullName} implements none of {nameof(IAssignmentStrategy)}, {nameof(IMessageInterceptor)}, {nameof(IEventSink)}.",
                nameof(pluginType));
        }
        if (services.Any(service => service.ServiceType == typeof(PluginDescriptor)
                                    && service.ImplementationInstance is PluginDescriptor existing && existing.Type == pluginType))
        {
            return services;
        }
        services.TryAddSingleton(pluginType);
        foreach (var point in points)
        {
            services.AddSingleton(point, provider => provider.GetRequiredService(pluginType));
        }
        services.AddSingleton(new PluginDescriptor(pluginType, source, points));
        return services;
    }
}
