using Microsoft.AspNetCore.Mvc;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class TracesEndpoints
{
    /// <summary>
    /// The recent traces of a message or task from this process's span buffer (what the console draws), for the
    /// operator: spans name agents and ids across the whole channel.
    /// </summary>
    public static void MapTraces(this RouteGroupBuilder api)
    {
        api.MapGet("/traces", ([FromQuery(Name = "message_id")] string? messageId, [FromQuery(Name = "task_id")] string? taskId, HttpContext context, TraceBuffer buffer) =>
        {
            if (!context.User.Caller().IsOperator)
            {
                throw AgentChannelException.Forbidden("Only the operator may read traces.");
            }
            if ((messageId is null) == (taskId is null))
            {
                throw AgentChannelException.Invalid("message_id", "Give exactly one of 'message_id' or 'task_id'.");
            }
            var (tag, id) = messageId is not null
                ? (AgentChannelTracing.MessageIdTag, Endpoints.RequireGuid(messageId, "message"))
                : (AgentChannelTracing.TaskIdTag, Endpoints.RequireGuid(taskId!, "task"));
            var traces = buffer.TracesTagged(tag, id.ToString());
            return new ItemsResponse<TraceView>([.. traces.Select(trace => new TraceView(trace[0].TraceId, [.. trace.Select(span =>
                new TraceSpanView(span.SpanId, span.ParentSpanId, span.Name, span.Source, span.Start, span.Duration.TotalMilliseconds,
                    span.Failed, span.Tags.GroupBy(tag => tag.Key).ToDictionary(tag => tag.Key, tag => tag.Last().Value), span.LinkedTraceIds))]))]);
        }).WithTags("traces");
    }
}
