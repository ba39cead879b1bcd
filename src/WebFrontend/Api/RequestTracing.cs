using System.Diagnostics;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Messages;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// The REST door's span (<see cref="AgentChannelTracing.Rest"/>), named by route, under ASP.NET Core's request span
/// when the client sent a <c>traceparent</c> header, else the root of its own trace. It names the message or task the request made or
/// touched, so the console finds the trace.
/// </summary>
internal sealed class RequestTracing : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!AgentChannelTracing.Rest.HasListeners())
        {
            return await next(context);
        }
        var http = context.HttpContext;
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value;
        using var span = AgentChannelTracing.StartHttp(AgentChannelTracing.Rest, $"rest {http.Request.Method} {route}");
        if (span is not null && http.Request.RouteValues.TryGetValue("id", out var id) && id is string routeId
            && route?.StartsWith("/api/tasks/", StringComparison.Ordinal) == true)
        {
            span.SetTag(AgentChannelTracing.TaskIdTag, routeId);
        }
        var result = await next(context);
        switch (span is null ? null : (result as IValueHttpResult)?.Value ?? result)
        {
            case MessageInfo message:
                span!.SetTag(AgentChannelTracing.MessageIdTag, message.Id.ToString());
                break;
            case TaskInfo task:
                span!.SetTag(AgentChannelTracing.TaskIdTag, task.Id.ToString());
                break;
        }
        if (result is IStatusCodeHttpResult { StatusCode: >= 400 } failed)
        {
            span?.SetStatus(ActivityStatusCode.Error, failed.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return result;
    }
}
