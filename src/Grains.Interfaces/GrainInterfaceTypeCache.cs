using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;

namespace Orleans.AgentChannel;

/// <summary>
/// A workaround for Orleans, kept to this file and its one registration (<see cref="GrainInterfaceTypeCacheExtensions"/>):
/// Orleans' <see cref="GrainInterfaceTypeResolver"/> works out a grain interface's <see cref="GrainInterfaceType"/> on every
/// <c>GetGrain</c> call, by reflection (each provider, then the interface's formatted name), and keeps no cache — still so
/// in Orleans 10. That cost 6–10 % of samples under load (docs/measurements.md, "Orleans runtime"). Registered ahead of
/// Orleans' own providers, this answers from a cache and lets the resolver work an interface out once, exactly as it
/// would have without the cache (tests/Grains.Tests/GrainInterfaceTypeCacheTests.cs). Remove it, with its registration,
/// when Orleans caches the answer itself.
/// </summary>
public sealed class GrainInterfaceTypeCache(IServiceProvider services) : IGrainInterfaceTypeProvider
{
    // Set while the resolver works out a type for us: the resolver asks its providers, this one first, so without the
    // flag that nested call would come back here. Per thread, since the resolver's work is synchronous on the caller's thread.
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
