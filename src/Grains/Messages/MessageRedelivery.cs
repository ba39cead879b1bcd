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
    ILogger<MessageRedelivery> logger) : SiloBackgroundLoop
{
    private const int PageSize = 500;

    protected override async Task RunAsync(CancellationToken stopping)
    {
        var interval = TimeSpan.FromSeconds(limits.Value.MessageRedeliverySeconds);
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            do
            {
                try
                {
                    await Drain(clock.GetUtcNow() - interval, stopping);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogDrainFailed(exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException)
        {
        }
    }

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
            LogRedelivered(inbox.Count(), inbox.Key);
        }
        catch (Exception exception)
        {
            LogRedeliveryFailed(exception, inbox.Count(), inbox.Key);
        }
    }

    [LoggerMessage(LogLevel.Information, "Delivered {Count} owed messages to the inbox of '{Agent}'")]
    private partial void LogRedelivered(int count, string agent);

    [LoggerMessage(LogLevel.Warning, "Delivering {Count} owed messages to the inbox of '{Agent}' failed again; they stay owed")]
    private partial void LogRedeliveryFailed(Exception exception, int count, string agent);

    [LoggerMessage(LogLevel.Warning, "Reading the owed messages failed; the next pass tries again")]
    private partial void LogDrainFailed(Exception exception);
}
