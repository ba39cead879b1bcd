using System.Diagnostics;

namespace Orleans.AgentChannel.Hosting;

/// <summary>One finished span as the console shows it.</summary>
public sealed record TraceSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Source,
    ActivityKind Kind,
    DateTimeOffset Start,
    TimeSpan Duration,
    bool Failed,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> LinkedTraceIds);
