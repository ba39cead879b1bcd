using System.Diagnostics.Metrics;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// Reads this host's AgentChannel instruments with a <see cref="MeterListener"/> once a second and keeps the
/// last two minutes as samples for the console's charts. Host-wide, so a page opened later still has history.
/// </summary>
public sealed class MetricsHistory : IHostedService, IDisposable
{
    public const int Capacity = 120;

    private static readonly TimeSpan LatencyWindow = TimeSpan.FromMinutes(1);

    private readonly IMeterFactory _meters;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Queue<MetricsSample> _samples = new();
    private readonly Queue<(DateTimeOffset At, double Milliseconds)> _latencies = new();
    private readonly Dictionary<AgentTaskStatus, int> _tasks = [];
    private long _messagesTotal;
    private long _messagesAtLastSample;
    private DateTimeOffset _lastSampleAt;
    private int _connections;
    private int _presentAgents;
    private int _queueDepth;
    private ITimer? _timer;

    public MetricsHistory(IMeterFactory meters, TimeProvider time)
    {
        _meters = meters;
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this host's meters: tests run several hosts in one process, each with its own factory.
            if (ReferenceEquals(instrument.Meter.Scope, _meters)
                && instrument.Meter.Name == AgentChannelMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => OnMeasurement(instrument.Name, value));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => OnLatency(instrument.Name, value));
    }

    /// <summary>Raised after each sample, on a timer thread.</summary>
    public event Action<MetricsSample>? Sampled;

    /// <summary>The kept samples, oldest first.</summary>
    public IReadOnlyList<MetricsSample> Samples
    {
        get
        {
            lock (_lock)
            {
                return [.. _samples];
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        _lastSampleAt = _time.GetUtcNow();
        _timer = _time.CreateTimer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _listener.Dispose();
    }

    private void OnMeasurement(string instrument, long value)
    {
        if (instrument == ActivityMetrics.MessagesInstrument)
        {
            Interlocked.Add(ref _messagesTotal, value);
        }
    }

    private void OnMeasurement(string instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        switch (instrument)
        {
            case "agentchannel.realtime.connections":
                _connections = value;
                break;
            case ActivityMetrics.PresentAgentsInstrument:
                _presentAgents = value;
                break;
            case ActivityMetrics.QueueDepthInstrument:
                _queueDepth = value;
                break;
            case ActivityMetrics.TasksInstrument:
                foreach (var tag in tags)
                {
                    if (tag is { Key: ActivityMetrics.StatusTag, Value: string status })
                    {
                        lock (_lock)
                        {
                            _tasks[AgentChannelJson.ParseWireName<AgentTaskStatus>(status, "status")!.Value] = value;
                        }
                    }
                }
                break;
        }
    }

    private void OnLatency(string instrument, double milliseconds)
    {
        if (instrument == ActivityMetrics.AssignmentLatencyInstrument)
        {
            lock (_lock)
            {
                _latencies.Enqueue((_time.GetUtcNow(), milliseconds));
            }
        }
    }

    private void Sample()
    {
        // Observable gauges report only when asked; this fills the fields above.
        _listener.RecordObservableInstruments();
        var now = _time.GetUtcNow();
        var total = Interlocked.Read(ref _messagesTotal);
        var seconds = Math.Max((now - _lastSampleAt).TotalSeconds, 0.001);
        MetricsSample sample;
        lock (_lock)
        {
            while (_latencies.TryPeek(out var oldest) && now - oldest.At > LatencyWindow)
            {
                _latencies.Dequeue();
            }
            var latencies = _latencies.Select(latency => latency.Milliseconds).Order().ToList();
            sample = new MetricsSample(now, _connections, _presentAgents, (total - _messagesAtLastSample) / seconds, total,
                new Dictionary<AgentTaskStatus, int>(_tasks), _queueDepth,
                Percentile(latencies, 0.50), Percentile(latencies, 0.95), latencies.Count);
            _samples.Enqueue(sample);
            while (_samples.Count > Capacity)
            {
                _samples.Dequeue();
            }
        }
        _messagesAtLastSample = total;
        _lastSampleAt = now;
        Sampled?.Invoke(sample);
    }

    private static double? Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? null : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(quantile * sorted.Count) - 1)];
}
