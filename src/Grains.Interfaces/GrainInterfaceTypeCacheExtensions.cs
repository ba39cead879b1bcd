using Microsoft.Extensions.DependencyInjection;

namespace Orleans.AgentChannel;

public static class GrainInterfaceTypeCacheExtensions
{
    /// <summary>Puts <see cref="GrainInterfaceTypeCache"/> first among the interface type providers (a silo's or a client's).</summary>
    public static IServiceCollection AddGrainInterfaceTypeCache(this IServiceCollection services)
    {
        if (!services.Any(service => service.ImplementationType == typeof(GrainInterfaceTypeCache)))
        {
            // First: the resolver asks its providers in registration order and takes the first answer.
            services.Insert(0, ServiceDescriptor.Singleton<IGrainInterfaceTypeProvider, GrainInterfaceTypeCache>());
        }
        return services;
    }
}
