using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Storage;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Channels;

[Orleans.Concurrency.StatelessWorker]
public sealed class ChannelDirectoryGrain(IChannelIndex index) : Grain, IChannelDirectoryGrain
{
    public Task<IReadOnlyList<ChannelSummary>> List() => index.List();
}
