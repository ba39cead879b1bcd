using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// Drains the message log's outbox: every stored message still owed to an inbox (its first delivery failed, or its
/// silo died between storing and delivering) is delivered again, at silo start and then every
/// <see cref="LimitsOptions.MessageRedeliverySeconds"/>, until it is stored there. The owed rows live in the database,
/// so a restart loses none; several silos may drain at once, because an inbox takes a message only while it is owed
/// (stored once). Only messages older than one interval are taken, so a sender's own delivery is rarely raced.
/// </summary>
internal sealed partial class MessageRedelivery(
    IMessageLog log,
    IGrainFactory grains,
    IOptions<LimitsOptions> limits,
    TimeProvider clock,
    ILogger<MessageRedelivery> logger) : PeriodicSiloLoop(clock, logger)
{
    private const int PageSize = 500;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(limits.Value.MessageRedeliverySeconds);

    protected override bool TickAtStart => true;

    protected override Task Tick(CancellationToken stopping) => Drain(Clock.GetUtcNow() - Interval, stopping);

    /// <summary>One pass over the outbox, a page at a time; an inbox that still fails is passed over until the next pass.</summary>
    private async Task Drain(DateTimeOffset before, CancellationToken stopping)
    {
        var after = 0L;
        while (!stopping.IsCancellationRequested)
        {
            var owed = await log.Owed(before, after, PageSize);
            if (owed.Count == 0)
            {
                return;
            }
            after = owed[^1].Message.Sequence;
            await Task.WhenAll(owed.GroupBy(delivery => delivery.AgentKey, StringComparer.Ordinal).Select(Redeliver));
            if (owed.Count < PageSize)
            {
                return;
            }
        }
    }

    private async Task Redeliver(IGrouping<string, OwedDelivery> inbox)
    {
        try
        {
            await grains.GetGrain<IAgentGrain>(inbox.Key).Deliver([.. inbox.Select(delivery => new InboxItem(
                EventNames.MessageReceived, RawJson.Serialize(delivery.Message, AgentChannelJson.Options), delivery.Message.Sequence))]);
            LogRedelivered(Logger, inbox.Count(), inbox.Key);
        }
        catch (Exception exception)
        {
            LogRedeliveryFailed(Logger, exception, inbox.Count(), inbox.Key);
        }
    }

    [LoggerMessage(LogLevel.Information, "Delivered {Count} owed messages to the inbox of '{Agent}'")]
    private static partial void LogRedelivered(ILogger logger, int count, string agent);

    [LoggerMessage(LogLevel.Warning, "Delivering {Count} owed messages to the inbox of '{Agent}' failed again; they stay owed")]
    private static partial void LogRedeliveryFailed(ILogger logger, Exception exception, int count, string agent);
}
