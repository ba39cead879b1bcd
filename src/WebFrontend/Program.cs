using Orleans.AgentChannel.WebFrontend.Hosting;

await AgentChannelHost.Build(args).RunAsync();
