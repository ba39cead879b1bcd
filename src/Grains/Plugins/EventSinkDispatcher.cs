using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Events;
using Polly;
using Polly.Retry;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// Hands every activity event to every event sink, off the caller's path: each sink has its own bounded
/// queue and worker, so a slow or failing sink only delays itself. A sink call that fails or times out is
/// retried with exponential backoff (Polly); one that still fails is logged and counted. A full queue is
/// counted and logged too: no event is dropped silently.
/// </summary>
public sealed partial class EventSinkDispatcher : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly PluginRuntime _plugins;
    private readonly ILogger<EventSinkDispatcher> _logger;
    private readonly List<SinkQueue> _queues;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Longest a stopping silo waits for the sinks to take what is queued.</summary>
    private static readonly TimeSpan DrainOnStop = TimeSpan.FromSeconds(5);

    public EventSinkDispatcher(PluginRuntime plugins, IOptions<PluginOptions> options, ILogger<EventSinkDispatcher> logger)
    {
        _plugins = plugins;
        _logger = logger;
        _queues = plugins.Sinks.Select(sink => new SinkQueue(sink, options.Value, this)).ToList();
    }

    /// <summary>Queues the event for every sink and returns at once.</summary>
    public void Publish(AgentEvent published)
    {
        if (_queues.Count == 0)
        {
            return;
        }
        var activity = new SinkEvent(Guid.CreateVersion7(), published.Event, published.Data, _plugins.Clock.GetUtcNow());
        foreach (var queue in _queues)
        {
            queue.Post(activity);
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(EventSinkDispatcher), ServiceLifecycleStage.Active, _ => Task.CompletedTask, StopAsync);

    /// <summary>Lets the queues drain for a few seconds (or as long as the silo's stop allows), then abandons what is left and says so.</summary>
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in _queues)
        {
            queue.Complete();
        }
        try
        {
            await Task.WhenAll(_queues.Select(queue => queue.Worker)).WaitAsync(DrainOnStop, cancellationToken);
        }
        catch (TimeoutException)
        {
            foreach (var queue in _queues.Where(queue => queue.Pending > 0))
            {
                LogAbandonedOnStop(queue.Sink.Health.Descriptor.Name, queue.Pending);
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var queue in _queues.Where(queue => queue.Pending > 0))
            {
                LogAbandonedOnStop(queue.Sink.Health.Descriptor.Name, queue.Pending);
            }
        }
        await _stopping.CancelAsync();
    }

    public void Dispose() => _stopping.Dispose();

    private sealed class SinkQueue
    {
        private readonly Channel<SinkEvent> _events;
        private readonly EventSinkDispatcher _owner;
        private readonly ResiliencePipeline<bool> _retry;
        private readonly TagList _tags;

        public SinkQueue(Guarded<IEventSink> sink, PluginOptions options, EventSinkDispatcher owner)
        {
            Sink = sink;
            _owner = owner;
            _tags = new TagList { { "plugin", sink.Health.Descriptor.Name } };
            _events = Channel.CreateBounded<SinkEvent>(new BoundedChannelOptions(options.SinkQueueCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            sink.Health.QueueLength = () => _events.Reader.Count;
            _retry = new ResiliencePipelineBuilder<bool> { TimeProvider = owner._plugins.Clock }
                .AddRetry(new RetryStrategyOptions<bool>
                {
                    // The guard has already caught and recorded the failure; "false" is what is retried.
                    ShouldHandle = new PredicateBuilder<bool>().HandleResult(false),
                    MaxRetryAttempts = Math.Max(1, options.SinkMaxRetries),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(options.SinkRetryDelayMilliseconds),
                    OnRetry = _ =>
                    {
                        Sink.Health.Retried();
                        owner._plugins.SinkRetries.Add(1, _tags);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
            Retries = options.SinkMaxRetries;
            Worker = Task.Run(Drain);
        }

        public Guarded<IEventSink> Sink { get; }

        public Task Worker { get; }

        public int Pending => _events.Reader.Count;

        private int Retries { get; }

        public void Post(SinkEvent activity)
        {
            if (!_events.Writer.TryWrite(activity))
            {
                Sink.Health.EventDropped(_owner._plugins.Clock.GetUtcNow());
                _owner._plugins.SinkEventsDropped.Add(1, _tags);
                _owner.LogDropped(Sink.Health.Descriptor.Name, activity.Event, activity.Id);
            }
        }

        public void Complete() => _events.Writer.TryComplete();

        private async Task Drain()
        {
            await foreach (var activity in _events.Reader.ReadAllAsync())
            {
                var delivered = Retries == 0
                    ? await Handle(activity)
                    : await Retried(activity);
                if (!delivered)
                {
                    Sink.Health.EventFailed();
                    _owner._plugins.SinkEventsFailed.Add(1, _tags);
                    _owner.LogGaveUp(Sink.Health.Descriptor.Name, activity.Event, activity.Id, Retries);
                }
            }
        }

        private async Task<bool> Retried(SinkEvent activity)
        {
            try
            {
                return await _retry.ExecuteAsync(async _ => await Handle(activity), _owner._stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private async Task<bool> Handle(SinkEvent activity) =>
            (await _owner._plugins.Run(Sink, async (instance, token) =>
            {
                await instance.HandleAsync(activity, token);
                return true;
            })).Succeeded;
    }

    [LoggerMessage(LogLevel.Error, "Event sink {Plugin} is full: {Event} {EventId} dropped for it")]
    private partial void LogDropped(string plugin, string @event, Guid eventId);

    [LoggerMessage(LogLevel.Error, "Event sink {Plugin} never took {Event} {EventId} ({Retries} retries); it is counted as failed")]
    private partial void LogGaveUp(string plugin, string @event, Guid eventId, int retries);

    [LoggerMessage(LogLevel.Warning, "Event sink {Plugin} had {Pending} events left when the silo stopped")]
    private partial void LogAbandonedOnStop(string plugin, int pending);
}
