namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>One span of a kept trace, as <c>GET /api/traces</c> answers it.</summary>
public sealed record TraceSpanView(
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Source,
    DateTimeOffset Start,
    double DurationMs,
    bool Failed,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> LinkedTraceIds);
