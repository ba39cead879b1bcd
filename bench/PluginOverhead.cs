using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Plugins;
using Orleans.TestingHost;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// What does a plugin cost a message? Direct messages from 64 concurrent senders through the real
/// MessagesGrain on a real silo and SQLite file: with no plugin (the baseline, same process), with one
/// pass-through message interceptor (each message then takes a guarded, off-scheduler plugin call), and
/// with that interceptor plus an event sink taking every activity event.
/// </summary>
public static class PluginOverhead
{
    public static async Task Run(string[] args)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        // Long enough, and through both plugins, for tiered JIT to settle on every path measured below: with a
        // quarter of the messages, the first measured run was half as fast as the same run at the end.
        await Measure("warm-up", messages * 4, silo => silo.Services
            .AddAgentChannelPlugin<PassThroughInterceptor>().AddAgentChannelPlugin<CountingSink>());
        var baseline = await Measure("none", messages, _ => { });
        var intercepted = await Measure("interceptor", messages, silo => silo.Services.AddAgentChannelPlugin<PassThroughInterceptor>());
        var withSink = await Measure("interceptor+sink", messages, silo => silo.Services
            .AddAgentChannelPlugin<PassThroughInterceptor>().AddAgentChannelPlugin<CountingSink>());
        // The baseline again, last: the order of runs is not what the figures show.
        var baselineAgain = await Measure("none-again", messages, _ => { });
        baseline = (baseline + baselineAgain) / 2;
        Console.WriteLine("| plugins | messages | senders | messages/s | vs none |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| none (mean of first and last run: {baseline * 2 - baselineAgain:N0}, {baselineAgain:N0}) | {messages:N0} | 64 | {baseline:N0} | 100 % |");
        Console.WriteLine($"| 1 pass-through interceptor | {messages:N0} | 64 | {intercepted:N0} | {intercepted / baseline:P0} |");
        Console.WriteLine($"| interceptor + event sink | {messages:N0} | 64 | {withSink:N0} | {withSink / baseline:P0} |");
    }

    private static async Task<double> Measure(string run, int messages, Action<ISiloBuilder> plugins)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"agentchannel-bench-{Guid.NewGuid():N}");
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSiloHost((_, host) => host.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentChannel:Storage:SqlitePath"] = Path.Combine(directory, "bench.db"),
            ["Logging:LogLevel:Default"] = "Warning",
            [OperatorToken.Setting] = Realtime.BenchServer.OperatorToken,
        }));
        // The bench drives grains as a front end does: through a client presenting the operator token.
        builder.ConfigureClient(client => client.PresentOperatorToken(Realtime.BenchServer.OperatorToken));
        builder.ConfigureSilo((_, silo) =>
        {
            plugins(silo);
            silo.AddAgentChannel(silo.Configuration);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var grains = cluster.Client;
            var recipient = $"bench-{run}-recipient".Replace('+', '-');
            await grains.GetGrain<IAgentGrain>(AgentNames.Key(recipient)).Register(new AgentRegistration(recipient, "bench", null, null), null);
            var senders = new List<Caller>();
            for (var i = 0; i < 64; i++)
            {
                var name = $"bench-{run}-sender{i}".Replace('+', '-');
                await grains.GetGrain<IAgentGrain>(AgentNames.Key(name)).Register(new AgentRegistration(name, "bench", null, null), null);
                senders.Add(Caller.Agent(name));
            }
            var next = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(senders.Select(async sender =>
            {
                while (Interlocked.Increment(ref next) <= messages)
                {
                    await grains.GetGrain<IMessagesGrain>(0).Send(sender, new MessageDraft("hello", [recipient]));
                }
            }));
            return messages / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    public sealed class PassThroughInterceptor : IMessageInterceptor
    {
        public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken) =>
            ValueTask.FromResult(MessageVerdict.Accept(message));
    }

    public sealed class CountingSink : IEventSink
    {
        private long _events;

        public ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _events);
            return ValueTask.CompletedTask;
        }
    }
}
