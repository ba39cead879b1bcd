using System.Diagnostics;

namespace Orleans.AgentChannel.Events;

/// <summary>
/// The one place that names AgentChannel's trace sources and the tags its spans carry (docs/architecture.md,
/// "Traces"). Each front door has its own source; the grains and the storage one each. With no listener (tracing
/// off, the default) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null, so a span
/// costs a null check.
/// </summary>
public static class AgentChannelTracing
{
    public const string Prefix = "Orleans.AgentChannel";

    public static readonly ActivitySource Rest = new($"{Prefix}.Rest");
    public static readonly ActivitySource WebSocket = new($"{Prefix}.WebSocket");
    public static readonly ActivitySource Mcp = new($"{Prefix}.Mcp");
    public static readonly ActivitySource A2A = new($"{Prefix}.A2A");
    public static readonly ActivitySource AgentClient = new($"{Prefix}.AgentClient");
    public static readonly ActivitySource Grains = new($"{Prefix}.Grains");
    public static readonly ActivitySource Storage = new($"{Prefix}.Storage");

    /// <summary>Every source above, for a tracer provider to listen to.</summary>
    public static IReadOnlyList<string> SourceNames { get; } =
        [Rest.Name, WebSocket.Name, Mcp.Name, A2A.Name, AgentClient.Name, Grains.Name, Storage.Name];

    /// <summary>
    /// Orleans' own spans for grain calls (with <c>AddActivityPropagation()</c> on silo and client builders). Orleans puts
    /// calls to interfaces in a namespace starting with "Orleans" on its runtime source, and ours are
    /// <c>Orleans.AgentChannel.*</c>: our grain calls are there, with Orleans' own; the application source has the rest.
    /// Orleans only carries the context of a call whose span it made, so without a listener on the runtime source our
    /// traces would stop at the first grain call.
    /// </summary>
    public static IReadOnlyList<string> OrleansSources { get; } = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>
    /// How the spans that may start a trace are named: a request at a front door, and grain work no request is waiting
    /// for (an owed delivery, a task's lease running out). A sampler keeps new traces of these names only (Orleans' own
    /// traffic and untraced HTTP requests would start traces too).
    /// </summary>
    public static IReadOnlyList<string> RootNamePrefixes { get; } = ["ws ", "rest ", "mcp ", "a2a ", "agentclient ", "inbox deliver", "task ", "messages store"];

    public const string AgentTag = "agentchannel.agent";
    public const string MessageIdTag = "agentchannel.message_id";
    public const string TaskIdTag = "agentchannel.task_id";
    public const string TaskStatusTag = "agentchannel.task.status";
    public const string EventTag = "agentchannel.event";
    public const string SeqTag = "agentchannel.seq";
    public const string SiloTag = "agentchannel.silo";
    public const string BatchSizeTag = "agentchannel.batch.size";
    public const string CountTag = "agentchannel.count";
    public const string ConnectionsTag = "agentchannel.connections";

    /// <summary>
    /// A span for a request that arrived from outside: its parent is the caller's W3C <c>traceparent</c> when it
    /// sent a valid one, else it starts a trace of its own (never a child of whatever happens to be current, such as
    /// the long-lived HTTP request of a WebSocket).
    /// </summary>
    public static Activity? StartRequest(ActivitySource source, string name, string? traceparent, ActivityKind kind = ActivityKind.Server)
    {
        if (!source.HasListeners())
        {
            return null;
        }
        var parent = ParseOrDefault(traceparent);
        if (parent == default)
        {
            Activity.Current = null;
        }
        return source.StartActivity(name, kind, parent);
    }

    /// <summary>
    /// A span for work an HTTP request asked for (REST, MCP, A2A): under ASP.NET Core's request span when the client sent
    /// a <c>traceparent</c> header (that span took it as its parent), else the root of a trace of its own. ASP.NET Core
    /// keeps an unrecorded stand-in as the current activity for a request nobody samples; a child of it would be dropped.
    /// </summary>
    public static Activity? StartHttp(ActivitySource source, string name, ActivityKind kind = ActivityKind.Server)
    {
        if (!source.HasListeners())
        {
            return null;
        }
        if (IsUntracedRequest(Activity.Current))
        {
            Activity.Current = null;
        }
        return source.StartActivity(name, kind);
    }

    /// <summary>ASP.NET Core's stand-in for a request that came without a <c>traceparent</c> and was not sampled.</summary>
    public static bool IsUntracedRequest(Activity? current) => current is { Recorded: false } && current.ParentSpanId == default;

    /// <summary>A span whose parent is given as a W3C <c>traceparent</c> (an event's cause), or the current span when there is none.</summary>
    public static Activity? StartChild(ActivitySource source, string name, string? traceparent, ActivityKind kind = ActivityKind.Internal) =>
        !source.HasListeners() ? null
        : ParseOrDefault(traceparent) is { } parent && parent != default ? source.StartActivity(name, kind, parent)
        : source.StartActivity(name, kind);

    /// <summary>The current span as a W3C <c>traceparent</c>, to be carried with what it causes; null when nothing is traced.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    public static ActivityContext ParseOrDefault(string? traceparent) =>
        traceparent is { Length: > 0 } && ActivityContext.TryParse(traceparent, null, isRemote: true, out var context) ? context : default;
}
