using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.WebFrontend.Realtime;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// The agent's inbox over plain HTTP, for agents that cannot keep a WebSocket (shell scripts, serverless functions,
/// LLM tools): a Server-Sent Events stream that resumes from <c>Last-Event-ID</c>, a long poll, and the ack. Both
/// deliver as the WebSocket does (<see cref="InboxPump"/>), and while one is open the agent is connected.
/// </summary>
public static partial class EventsEndpoints
{
    public const int DefaultWaitSeconds = 30;

    public const int MaxWaitSeconds = 60;

    /// <summary>How often an idle stream says it is alive, so proxies and clients do not take it for dead.</summary>
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(15);

    public static void MapEvents(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").WithTags("events");
        events.MapGet("/", Stream).Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        events.MapGet("/poll", Poll);
        events.MapPost("/ack", async (AckRequest? request, HttpContext context, IGrainFactory grains) =>
        {
            var seq = Endpoints.Required(request, "seq").Seq ?? throw AgentChannelException.Invalid("seq", "'seq' is required.");
            var caller = context.User.Caller();
            return await InboxView.Of(grains, caller).Ack(caller, seq);
        });
    }

    /// <summary>
    /// <c>GET /api/events</c>: the inbox after <c>Last-Event-ID</c> (default: after the last ack), then each event as it
    /// is stored, as <c>id: seq</c>, <c>event: name</c>, <c>data: payload</c>, until the client goes.
    /// </summary>
    private static async Task Stream(HttpContext context, IClusterClient cluster, RealtimeGateway gateway,
        IOptions<RealtimeOptions> realtime, IOptions<PresenceOptions> presence, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        var caller = context.User.Caller();
        var grain = InboxView.Of(cluster, caller);
        var lastEventId = LastEventId(context.Request);
        var logger = loggers.CreateLogger(typeof(EventsEndpoints));
        await using var subscription = await InboxSubscription.Open(cluster, gateway, grain, realtime.Value.SendQueueCapacity, logger);
        var position = await grain.GetInboxPosition();
        var replayFrom = Math.Min(lastEventId ?? position.AckedSeq, position.LastSeq);

        StartEventStream(context.Response);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        using var stream = new EventStreamWriter(context.Response, ending.Token);
        var renewal = Task.CompletedTask;
        var keepAlive = Task.CompletedTask;
        try
        {
            await stream.Comment($"inbox of {caller.Name} after seq {replayFrom}");
            renewal = InboxPump.RenewPresence(grain, subscription.Renew, () => Task.CompletedTask, subscription.Push,
                presence.Value.OfflineAfter / 3, exception => LogRenewFailed(logger, exception, subscription.Id), ending.Token);
            keepAlive = KeepAlive(stream, ending.Token);
            // Ends when the client goes, the server stops, or the stream fell too far behind (the client resumes).
            await InboxPump.Pump(grain, replayFrom, subscription.Events, stream.Event, realtime.Value.ReplayPageSize, ending.Token);
        }
        catch (Exception) when (ending.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The response has started: nothing to answer but the end of the stream, from which the client resumes.
            LogStreamFailed(logger, exception, caller.Name);
        }
        finally
        {
            await ending.CancelAsync();
            await Task.WhenAll(renewal, keepAlive);
        }
    }

    /// <summary>
    /// <c>GET /api/events/poll</c>: the inbox after <paramref name="since_seq"/> (default: after the last ack) at once if
    /// it holds any, otherwise as soon as something is stored, or an empty page after <paramref name="wait_seconds"/>.
    /// </summary>
    private static async Task<InboxView> Poll(long? since_seq, int? limit, int? wait_seconds, HttpContext context,
        IClusterClient cluster, RealtimeGateway gateway, IOptions<RealtimeOptions> realtime, IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        var caller = context.User.Caller();
        var wait = wait_seconds ?? DefaultWaitSeconds;
        if (wait is < 0 or > MaxWaitSeconds)
        {
            throw AgentChannelException.Invalid("wait_seconds", $"'wait_seconds' must be between 0 and {MaxWaitSeconds}.");
        }
        InboxView.RequireValidPage(since_seq, limit);
        var grain = InboxView.Of(cluster, caller);
        await using var subscription = await InboxSubscription.Open(cluster, gateway, grain, realtime.Value.SendQueueCapacity,
            loggers.CreateLogger(typeof(EventsEndpoints)));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        deadline.CancelAfter(TimeSpan.FromSeconds(wait));
        while (true)
        {
            // Subscribed before reading: an event stored after this read is pushed, so the wait cannot miss it.
            var page = await InboxView.Read(cluster, caller, since_seq, limit);
            if (page.Events.Count > 0)
            {
                return page;
            }
            try
            {
                if (!await subscription.Events.WaitToReadAsync(deadline.Token))
                {
                    // Pushes ended (far behind): whatever they carried is in the inbox now.
                    return await InboxView.Read(cluster, caller, since_seq, limit);
                }
                while (subscription.Events.TryRead(out _))
                {
                }
            }
            catch (OperationCanceledException)
            {
                return page;
            }
        }
    }

    /// <summary>The headers of a Server-Sent Events response (also A2A's streams).</summary>
    internal static void StartEventStream(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx would otherwise hold events back to fill their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
    }

    private static long? LastEventId(HttpRequest request)
    {
        var header = request.Headers["Last-Event-ID"].ToString();
        if (header.Length == 0)
        {
            return null;
        }
        return long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : throw AgentChannelException.Invalid("Last-Event-ID", "'Last-Event-ID' must be the id (inbox seq) of an event this stream sent.");
    }

    private static async Task KeepAlive(EventStreamWriter stream, CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(KeepAliveEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                await stream.Comment("keep-alive");
            }
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(LogLevel.Warning, "The event stream of {Agent} failed; the client resumes from its Last-Event-ID")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(LogLevel.Warning, "Presence renewal for HTTP inbox subscription {SubscriptionId} failed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string subscriptionId);

    /// <summary>One SSE response: events (from the pump) and keep-alive comments (from a timer), one at a time.</summary>
    private sealed class EventStreamWriter(HttpResponse response, CancellationToken cancellation) : IDisposable
    {
        private readonly SemaphoreSlim _turn = new(1, 1);

        public Task Event(AgentEvent item)
        {
            var text = new StringBuilder();
            if (item.Seq is { } seq)
            {
                text.Append(CultureInfo.InvariantCulture, $"id: {seq}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"event: {item.Event}\n");
            // A payload's line breaks can only be whitespace between JSON tokens; each line is a data line of its own.
            foreach (var line in (item.Data.Text ?? "null").Split('\n'))
            {
                text.Append(CultureInfo.InvariantCulture, $"data: {line.TrimEnd('\r')}\n");
            }
            return Write(text.Append('\n').ToString());
        }

        public Task Comment(string comment) => Write($": {comment}\n\n");

        public void Dispose() => _turn.Dispose();

        private async Task Write(string text)
        {
            await _turn.WaitAsync(cancellation);
            try
            {
                await response.WriteAsync(text, cancellation);
                await response.Body.FlushAsync(cancellation);
            }
            finally
            {
                _turn.Release();
            }
        }
    }
}
