using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

// A silo without the web front: the same grains and storage as the embedded mode. With the SQLite provider it
// is the one silo of one machine (localhost clustering); with PostgreSQL it joins the cluster of every silo
// sharing the database, cluster id and service id (Orleans' ADO.NET clustering, grain storage and reminders).
// `--init-db` applies the schema scripts to the configured database and exits.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args.Where(arg => arg != "--init-db").ToArray(),
    // Settings (appsettings.json) are read from beside the program, whatever directory it is started from.
    ContentRootPath = AppContext.BaseDirectory,
});
try
{
    if (args.Contains("--init-db"))
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole());
        var applied = await ClusterHosting.ApplySchema(builder.Configuration, loggers);
        Console.WriteLine($"Schema applied: {applied}");
        return 0;
    }

    // Front ends in client mode and operator tools present this token with their calls; without one shared setting
    // no cluster client could act as the operator.
    if (string.IsNullOrWhiteSpace(builder.Configuration[OperatorToken.Setting]))
    {
        Console.Error.WriteLine($"Cannot start: {OperatorToken.Setting} is required (environment variable AgentChannel__OperatorToken): " +
                                "the token front ends in client mode and operator tools present to this cluster.");
        return 2;
    }

    builder.UseOrleans(orleans =>
    {
        orleans.UseAgentChannelClustering(builder.Configuration);
        orleans.AddAgentChannel(builder.Configuration);
    });
    var host = builder.Build();
    await host.StartAsync();
    var silo = host.Services.GetRequiredService<IOptions<SiloOptions>>().Value;
    var storage = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
    // Scripts and operators wait for this line: the silo is active in its cluster and its gateway accepts clients.
    Console.WriteLine($"Silo active: cluster {silo.ClusterId}, service {silo.ServiceId}, silo port {silo.SiloPort}, gateway port {silo.GatewayPort}, storage {storage.Provider}");
    await host.WaitForShutdownAsync();
    return 0;
}
catch (Exception error) when (StartupRefusedException.Explain(error) is { } reason)
{
    Console.Error.WriteLine($"Cannot start: {reason}");
    return 2;
}
