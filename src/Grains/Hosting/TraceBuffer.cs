using System.Diagnostics;
using OpenTelemetry;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// The last N spans this process recorded (a ring: the oldest go first), so the console can show a message's or a
/// task's recent trace without a trace backend. Spans made in other processes (other silos, a front end in client
/// mode) are in their processes' buffers, and in the OTLP backend when one is configured.
/// </summary>
public sealed class TraceBuffer(int capacity) : BaseProcessor<Activity>
{
    private readonly TraceSpan?[] _spans = new TraceSpan?[capacity];
    private readonly Lock _gate = new();
    private long _written;

    public bool Enabled => capacity > 0;

    public int Capacity => capacity;

    public override void OnEnd(Activity data)
    {
        if (capacity == 0)
        {
            return;
        }
        var span = new TraceSpan(
            data.TraceId.ToHexString(),
            data.SpanId.ToHexString(),
            data.ParentSpanId == default ? null : data.ParentSpanId.ToHexString(),
            data.DisplayName,
            data.Source.Name,
            data.Kind,
            data.StartTimeUtc,
            data.Duration,
            data.Status == ActivityStatusCode.Error,
            [.. data.TagObjects.Select(tag => KeyValuePair.Create(tag.Key, Format(tag.Value)))],
            [.. data.Links.Select(link => link.Context.TraceId.ToHexString())]);
        lock (_gate)
        {
            _spans[_written++ % capacity] = span;
        }
    }

    /// <summary>Every span kept, oldest first.</summary>
    public IReadOnlyList<TraceSpan> Snapshot()
    {
        lock (_gate)
        {
            var count = (int)Math.Min(_written, capacity);
            var spans = new List<TraceSpan>(count);
            for (var i = _written - count; i < _written; i++)
            {
                spans.Add(_spans[i % capacity]!);
            }
            return spans;
        }
    }

    /// <summary>
    /// The traces (spans grouped by trace, each sorted by start) holding a span tagged <paramref name="tag"/> =
    /// <paramref name="value"/>, with the traces those spans link to (a task's later changes link to its creation),
    /// the most recent first.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<TraceSpan>> TracesTagged(string tag, string value, int maxTraces = 5)
    {
        var spans = Snapshot();
        var tagged = spans.Where(span => span.Tags.Any(pair => pair.Key == tag && Contains(pair.Value, value))).ToList();
        var traceIds = tagged.Select(span => span.TraceId).Concat(tagged.SelectMany(span => span.LinkedTraceIds)).ToHashSet(StringComparer.Ordinal);
        return [.. spans.Where(span => traceIds.Contains(span.TraceId))
            .GroupBy(span => span.TraceId)
            .Select(trace => (IReadOnlyList<TraceSpan>)[.. trace.OrderBy(span => span.Start)])
            .OrderByDescending(trace => trace[0].Start)
            .Take(maxTraces)];
    }

    private static bool Contains(string tagValue, string value) =>
        tagValue == value || tagValue.Split(',').Contains(value, StringComparer.Ordinal);

    private static string Format(object? value) => value switch
    {
        null => "",
        string text => text,
        string[] texts => string.Join(',', texts),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
