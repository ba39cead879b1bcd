using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using Orleans.Runtime;

namespace Orleans.AgentChannel;

/// <summary>
/// Orleans works out a grain interface's <see cref="GrainInterfaceType"/> on every <c>GetGrain</c> call, by
/// reflection (the interface's attributes, then its formatted name), and keeps no cache: 6-10 % of the CPU a
/// message cost in the bench (bench/README.md). Registered ahead of Orleans' own providers, this answers from a
/// cache and lets the resolver work an interface out once, exactly as it would have without the cache.
/// </summary>
public sealed class GrainInterfaceTypeCache(IServiceProvider services) : IGrainInterfaceTypeProvider
{
    // Set while the resolver works out a type for us, so that nested call goes past this provider.
    [ThreadStatic]
    private static bool t_resolving;

    private readonly ConcurrentDictionary<Type, GrainInterfaceType> _known = new();
    private GrainInterfaceTypeResolver? _resolver;

    public bool TryGetGrainInterfaceType(Type type, out GrainInterfaceType grainInterfaceType)
    {
        if (_known.TryGetValue(type, out grainInterfaceType))
        {
            return true;
        }
        // Generic interfaces get their type arguments appended to whatever a provider answers: left to Orleans.
        if (t_resolving || type.IsGenericType)
        {
            return false;
        }
        t_resolving = true;
        try
        {
            grainInterfaceType = (_resolver ??= services.GetRequiredService<GrainInterfaceTypeResolver>()).GetGrainInterfaceType(type);
        }
        finally
        {
            t_resolving = false;
        }
        _known.TryAdd(type, grainInterfaceType);
        return true;
    }
}

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
