using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Agents;
using Orleans.Metadata;
using Orleans.Runtime;
using Orleans.Serialization.TypeSystem;

namespace Orleans.AgentChannel.Grains.Tests;

public sealed class GrainInterfaceTypeCacheTests(ClusterFixture fixture)
{
    [Fact]
    public void The_silo_asks_the_cache_first_and_it_answers_what_Orleans_would_without_it()
    {
        var services = fixture.Cluster.Silos[0].ServiceProvider;
        var providers = services.GetServices<IGrainInterfaceTypeProvider>().ToList();
        var cache = providers[0].ShouldBeOfType<GrainInterfaceTypeCache>();
        var withoutCache = new GrainInterfaceTypeResolver(providers.Skip(1), services.GetRequiredService<TypeConverter>());
        var grainInterfaces = typeof(IAgentGrain).Assembly.GetTypes()
            .Where(type => type.IsInterface && typeof(IAddressable).IsAssignableFrom(type))
            .ToList();
        grainInterfaces.Count.ShouldBeGreaterThan(10);

        foreach (var grainInterface in grainInterfaces)
        {
            // Twice: the first answer is worked out, the second comes from the cache.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                cache.TryGetGrainInterfaceType(grainInterface, out var cached).ShouldBeTrue();
                cached.ShouldBe(withoutCache.GetGrainInterfaceType(grainInterface), grainInterface.Name);
            }
        }
        var agent = services.GetRequiredService<IGrainFactory>().GetGrain<IAgentGrain>("cache-check");
        ((GrainReference)agent).InterfaceType.ShouldBe(withoutCache.GetGrainInterfaceType(typeof(IAgentGrain)));
    }
}
