using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Polly;
using Orleans.Streams;
using Polly.Retry;

namespace Orleans.AgentChannel.Plugins;

/// <summary>Marker interface of the grain that takes the activity stream to the event sinks.</summary>
[Alias("agentchannel.activity-sinks")]
public interface IActivitySinkGrain : IGrainWithStringKey;
