using Microsoft.Extensions.Configuration;
using Orleans.Dashboard;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Orleans' own dashboard (silos, activations per grain type, call rates and latencies), served by the front end under
/// <see cref="Path"/> behind the console's operator sign-in. Every silo collects for it and every front end serves it,
/// embedded or in client mode; <c>AgentChannel:Dashboard:Enabled=false</c> leaves it out everywhere (it profiles every
/// grain call).
/// </summary>
public static class ClusterDashboard
{
    public const string Section = "AgentChannel:Dashboard";

    public const string Path = "/console/cluster";

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue($"{Section}:Enabled", defaultValue: true);

    public static ISiloBuilder AddClusterDashboard(this ISiloBuilder silo, IConfiguration configuration) =>
        IsEnabled(configuration) ? silo.AddDashboard(options => configuration.GetSection(Section).Bind(options)) : silo;

    public static IClientBuilder AddClusterDashboard(this IClientBuilder client, IConfiguration configuration) =>
        IsEnabled(configuration) ? client.AddDashboard(options => configuration.GetSection(Section).Bind(options)) : client;
}
