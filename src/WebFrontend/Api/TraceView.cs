namespace Orleans.AgentChannel.WebFrontend.Api;

public sealed record TraceView(string TraceId, IReadOnlyList<TraceSpanView> Spans);
