using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Orleans.AgentChannel.Plugins;

/// <summary>
/// The silo's plugins, each behind its own guard: calls run off the grain scheduler (so a plugin that blocks
/// a thread cannot stall grains), under a time-out, and behind a circuit breaker (a plugin that keeps failing
/// is skipped for a while). Every outcome is counted per plugin for the console and in metrics.
/// </summary>
public sealed partial class PluginRuntime
{
    public const string MeterName = "Orleans.AgentChannel.Plugins";

    private readonly TimeProvider _clock;
    private readonly ILogger<PluginRuntime> _logger;
    private readonly TimeSpan _timeout;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _duration;

    public PluginRuntime(
        IEnumerable<PluginDescriptor> descriptors,
        IServiceProvider services,
        IOptions<PluginOptions> options,
        TimeProvider clock,
        IMeterFactory meters,
        ILogger<PluginRuntime> logger)
    {
        _clock = clock;
        _logger = logger;
        _timeout = TimeSpan.FromMilliseconds(options.Value.TimeoutMilliseconds);
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("agentchannel.plugin.calls", description: "Plugin calls, by plugin and extension point.");
        _failures = meter.CreateCounter<long>("agentchannel.plugin.failures",
            description: "Plugin calls that threw, timed out or were skipped (circuit open), by plugin and outcome.");
        _duration = meter.CreateHistogram<double>("agentchannel.plugin.duration", unit: "ms", description: "Time a plugin call took.");
        SinkRetries = meter.CreateCounter<long>("agentchannel.sink.retries", description: "Event deliveries to a sink tried again.");
        SinkEventsFailed = meter.CreateCounter<long>("agentchannel.sink.events.failed", description: "Events a sink never took, after every retry.");
        SinkEventsDropped = meter.CreateCounter<long>("agentchannel.sink.events.dropped", description: "Events not queued for a sink because its queue was full.");

        var all = descriptors.ToList();
        Health = all.Select(descriptor => new PluginHealth(descriptor)).ToList();
        Strategies = Guard<IAssignmentStrategy>(services, options.Value, all);
        Interceptors = Guard<IMessageInterceptor>(services, options.Value, all);
        Sinks = Guard<IEventSink>(services, options.Value, all);
    }

    public IReadOnlyList<PluginHealth> Health { get; }

    public IReadOnlyList<Guarded<IAssignmentStrategy>> Strategies { get; }

    public IReadOnlyList<Guarded<IMessageInterceptor>> Interceptors { get; }

    public IReadOnlyList<Guarded<IEventSink>> Sinks { get; }

    internal Counter<long> SinkRetries { get; }

    internal Counter<long> SinkEventsFailed { get; }

    internal Counter<long> SinkEventsDropped { get; }

    internal TimeProvider Clock => _clock;

    /// <summary>Snapshots of every plugin's health, in registration order.</summary>
    public IReadOnlyList<PluginStatus> Status() => Health.Select(health => health.Snapshot(_clock.GetUtcNow())).ToList();

    /// <summary>
    /// Runs one plugin call under its guard. Returns the plugin's answer, or nothing when it threw, timed out
    /// or was skipped: the caller then goes on as if the plugin were not there.
    /// </summary>
    public async Task<(bool Succeeded, T Value)> Run<TPlugin, T>(Guarded<TPlugin> plugin, Func<TPlugin, CancellationToken, ValueTask<T>> call)
        where TPlugin : class
    {
        var tags = new TagList { { "plugin", plugin.Health.Descriptor.Name }, { "point", typeof(TPlugin).Name } };
        _calls.Add(1, tags);
        plugin.Health.Called();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var value = await plugin.Pipeline.ExecuteAsync(
                // Task.Run: a plugin that blocks its thread blocks a pool thread, never a grain's scheduler.
                async token => await Task.Run(() => call(plugin.Instance, token).AsTask(), token).WaitAsync(token),
                CancellationToken.None);
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
            return (true, value);
        }
        catch (BrokenCircuitException)
        {
            plugin.Health.Skipped();
            Fail(tags, "skipped");
        }
        catch (TimeoutRejectedException)
        {
            plugin.Health.TimedOut(_timeout, _clock.GetUtcNow());
            Fail(tags, "timeout");
            LogPluginTimedOut(plugin.Health.Descriptor.Name, typeof(TPlugin).Name, _timeout.TotalMilliseconds);
        }
        catch (Exception error)
        {
            plugin.Health.Errored(error, _clock.GetUtcNow());
            Fail(tags, "error");
            LogPluginFailed(error, plugin.Health.Descriptor.Name, typeof(TPlugin).Name);
        }
        _duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
        return (false, default!);
    }

    /// <summary>Records a plugin answer that broke the rules (e.g. an interceptor growing a message past the limits).</summary>
    internal void Misbehaved<TPlugin>(Guarded<TPlugin> plugin, Exception error) where TPlugin : class
    {
        plugin.Health.Errored(error, _clock.GetUtcNow());
        Fail(new TagList { { "plugin", plugin.Health.Descriptor.Name }, { "point", typeof(TPlugin).Name } }, "invalid");
        LogPluginFailed(error, plugin.Health.Descriptor.Name, typeof(TPlugin).Name);
    }

    private void Fail(TagList tags, string outcome)
    {
        tags.Add("outcome", outcome);
        _failures.Add(1, tags);
    }

    private List<Guarded<TPlugin>> Guard<TPlugin>(IServiceProvider services, PluginOptions options, List<PluginDescriptor> descriptors)
        where TPlugin : class
    {
        var guarded = new List<Guarded<TPlugin>>();
        foreach (var health in Health.Where(health => health.Descriptor.ExtensionPoints.Contains(typeof(TPlugin))))
        {
            TPlugin instance;
            try
            {
                instance = (TPlugin)services.GetRequiredService(health.Descriptor.Type);
            }
            catch (Exception error)
            {
                // A plugin that cannot even be built is left out; the channel starts without it and says why.
                health.Errored(new InvalidOperationException($"could not be created: {error.Message}", error), _clock.GetUtcNow());
                LogPluginNotCreated(error, health.Descriptor.Name);
                continue;
            }
            guarded.Add(new Guarded<TPlugin>(instance, health, BuildPipeline(options, withBreaker: typeof(TPlugin) != typeof(IEventSink))));
        }
        return guarded;
    }

    private ResiliencePipeline BuildPipeline(PluginOptions options, bool withBreaker)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _clock };
        if (withBreaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakAfterFailures,
                SamplingDuration = TimeSpan.FromSeconds(options.BreakSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(options.BreakSeconds),
            });
        }
        return builder.AddTimeout(_timeout).Build();
    }

    [LoggerMessage(LogLevel.Warning, "Plugin {Plugin} ({Point}) timed out after {TimeoutMs} ms; the channel went on without it")]
    private partial void LogPluginTimedOut(string plugin, string point, double timeoutMs);

    [LoggerMessage(LogLevel.Error, "Plugin {Plugin} could not be created; the channel runs without it")]
    private partial void LogPluginNotCreated(Exception error, string plugin);

    [LoggerMessage(LogLevel.Warning, "Plugin {Plugin} ({Point}) failed; the channel went on without it")]
    private partial void LogPluginFailed(Exception error, string plugin, string point);
}
