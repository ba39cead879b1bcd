using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Tls;
using Orleans.Configuration;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// The Orleans client an AgentClient starts for itself when the application gives it none.
/// </summary>
public sealed partial class AgentClient
{
    /// <summary>The cluster the token belongs to, for the default token file.</summary>
    private string ClusterName() =>
        _cluster.ServiceProvider.GetService<IOptions<ClusterOptions>>()?.Value.ClusterId is { Length: > 0 } clusterId ? clusterId : _options.ClusterId;

    /// <summary>An Orleans client of the agent's own: static gateways (or the clustering the options configure), our stream provider.</summary>
    private static async Task<IHost> StartClusterClient(AgentClientOptions options, CancellationToken cancellationToken)
    {
        // No defaults: a library must not read the application's configuration or take over its Ctrl+C.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        if (options.LoggerFactory is { } loggers)
        {
            builder.Services.AddSingleton(loggers);
        }
        builder.UseOrleansClient(client =>
        {
            if (options.ConfigureClustering is { } configureClustering)
            {
                configureClustering(client);
            }
            else
            {
                client.UseStaticClustering([.. options.Gateways]);
            }
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = options.ServiceId;
            });
            if (options.Tls is { } tls)
            {
                client.UseClusterTls(tls);
            }
            client.Services.AddGrainInterfaceTypeCache();
            // The application's current span goes with every call as its W3C traceparent (in the RequestContext), so
            // a traced application's trace continues in the cluster. Without a span or a listener it carries nothing.
            client.AddActivityPropagation();
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }

    /// <summary>The Orleans client's host lives as long as the agent, not as long as the console.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
