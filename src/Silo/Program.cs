using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.AgentChannel.Hosting;

// A silo without the web front: the same grains and storage as the embedded mode. On one machine it uses
// localhost clustering and the SQLite file; multi-silo clustering on PostgreSQL is configured here later.
var builder = Host.CreateApplicationBuilder(args);
var silo = builder.Configuration.GetSection("AgentChannel:Silo");
builder.UseOrleans(orleans =>
{
    orleans.UseLocalhostClustering(
        silo.GetValue("SiloPort", 11111), silo.GetValue("GatewayPort", 30000),
        serviceId: silo.GetValue("ServiceId", "agentchannel")!, clusterId: silo.GetValue("ClusterId", "agentchannel")!);
    orleans.AddAgentChannel(builder.Configuration);
});
await builder.Build().RunAsync();
