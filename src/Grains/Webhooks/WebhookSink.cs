using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// The built-in event sink: POSTs each activity event to every webhook whose filter matches, signed with
/// the webhook's secret (<c>X-AgentChannel-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>). Each webhook has
/// its own queue and sender, so a receiver that is down delays only its own deliveries; retries with
/// exponential backoff are the HttpClient's resilience handler's (see <see cref="WebhookHttp"/>). Every
/// delivery is kept in the delivery log with its status and attempts.
/// </summary>
public sealed partial class WebhookSink : IEventSink, IDisposable
{
    public const string SignatureHeader = "X-AgentChannel-Signature";
    public const string EventHeader = "X-AgentChannel-Event";
    public const string DeliveryHeader = "X-AgentChannel-Delivery";

    private readonly IWebhookStore _store;
    private readonly IHttpClientFactory _http;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookSink> _logger;
    private readonly Counter<long> _deliveries;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, TargetQueue> _queues = [];
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<WebhookTarget>? _targets;
    private DateTimeOffset _loadedAt;

    public WebhookSink(IWebhookStore store, IHttpClientFactory http, IOptions<WebhookOptions> options, TimeProvider clock,
        IMeterFactory meters, ILogger<WebhookSink> logger)
    {
        _store = store;
        _http = http;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _deliveries = meters.Create(PluginRuntime.MeterName)
            .CreateCounter<long>("agentchannel.webhook.deliveries", description: "Webhook deliveries by outcome (delivered, failed).");
    }

    /// <summary>A subscription was added or removed on this silo: read the list again before the next event.</summary>
    public void SubscriptionsChanged()
    {
        lock (_gate)
        {
            _targets = null;
        }
    }

    public async ValueTask HandleAsync(SinkEvent activity, CancellationToken cancellationToken)
    {
        foreach (var target in await Targets())
        {
            if (Matches(target.Info.Events, activity.Event))
            {
                await Queue(target).Post(activity);
            }
        }
    }

    public static bool Matches(IReadOnlyList<string> filters, string eventName) =>
        filters.Count == 0 || filters.Any(filter => filter == "*" || filter == eventName
            || (filter.EndsWith(":*", StringComparison.Ordinal) && eventName.StartsWith(filter[..^1], StringComparison.Ordinal)));

    /// <summary>The signature header's value for a body: <c>sha256=</c> and the lower-case hex HMAC-SHA256.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private async Task<IReadOnlyList<WebhookTarget>> Targets()
    {
        lock (_gate)
        {
            if (_targets is not null && _clock.GetUtcNow() - _loadedAt < TimeSpan.FromSeconds(_options.RefreshSeconds))
            {
                return _targets;
            }
        }
        var targets = await _store.List();
        lock (_gate)
        {
            _targets = targets;
            _loadedAt = _clock.GetUtcNow();
            // A deleted webhook's sender finishes what it already holds, then stops.
            foreach (var gone in _queues.Keys.Where(id => targets.All(target => target.Info.Id != id)).ToList())
            {
                _queues.Remove(gone, out var queue);
                queue!.Complete();
            }
            foreach (var target in targets)
            {
                if (_queues.TryGetValue(target.Info.Id, out var queue))
                {
                    queue.Target = target;
                }
            }
        }
        return targets;
    }

    private TargetQueue Queue(WebhookTarget target)
    {
        lock (_gate)
        {
            if (!_queues.TryGetValue(target.Info.Id, out var queue))
            {
                queue = new TargetQueue(target, this);
                _queues[target.Info.Id] = queue;
            }
            return queue;
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>The JSON body of a delivery: the event's id (the same on every retry), name, time and payload.</summary>
    private static byte[] Body(SinkEvent activity, Guid webhookId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", activity.Id);
            writer.WriteString("event", activity.Event);
            writer.WriteString("webhook_id", webhookId);
            writer.WriteString("occurred_at", activity.ReceivedAt);
            writer.WritePropertyName("data");
            writer.WriteRawValue(activity.Data.Text ?? "null", skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private async Task Deliver(WebhookTarget target, SinkEvent activity)
    {
        var now = _clock.GetUtcNow();
        var delivery = new WebhookDelivery(Guid.CreateVersion7(now), target.Info.Id, activity.Id, activity.Event,
            WebhookDeliveryStatus.Pending, 0, null, null, now, now);
        await Record(delivery);
        var body = Body(activity, target.Info.Id);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Info.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
        };
        request.Headers.Add(SignatureHeader, Sign(target.Secret, body));
        request.Headers.Add(EventHeader, activity.Event);
        request.Headers.Add(DeliveryHeader, delivery.Id.ToString());
        var attempts = new WebhookAttempts(async (attempt, status, error) =>
        {
            delivery = delivery with { Attempts = attempt, LastStatusCode = status, LastError = error, UpdatedAt = _clock.GetUtcNow() };
            await Record(delivery);
        });
        request.Options.Set(WebhookAttempts.Key, attempts);
        try
        {
            using var response = await _http.CreateClient(WebhookHttp.ClientName).SendAsync(request, _stopping.Token);
            delivery = delivery with
            {
                Status = response.IsSuccessStatusCode ? WebhookDeliveryStatus.Delivered : WebhookDeliveryStatus.Failed,
                UpdatedAt = _clock.GetUtcNow(),
            };
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            delivery = delivery with { Status = WebhookDeliveryStatus.Failed, LastError = delivery.LastError ?? error.Message, UpdatedAt = _clock.GetUtcNow() };
        }
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", delivery.Status == WebhookDeliveryStatus.Delivered ? "delivered" : "failed"));
        if (delivery.Status == WebhookDeliveryStatus.Failed)
        {
            LogDeliveryFailed(target.Info.Id, target.Info.Url, activity.Event, delivery.Attempts, delivery.LastStatusCode, delivery.LastError);
        }
        await Record(delivery);
    }

    private async Task Record(WebhookDelivery delivery)
    {
        try
        {
            await _store.RecordDelivery(delivery, _options.DeliveryLogSize);
        }
        catch (Exception error)
        {
            // The log is for people; a write that fails must not stop the delivery itself.
            LogRecordFailed(error, delivery.WebhookId, delivery.Id);
        }
    }

    private sealed class TargetQueue
    {
        private readonly Channel<SinkEvent> _events;
        private readonly WebhookSink _owner;

        public TargetQueue(WebhookTarget target, WebhookSink owner)
        {
            Target = target;
            _owner = owner;
            _events = Channel.CreateBounded<SinkEvent>(new BoundedChannelOptions(owner._options.QueueCapacity) { SingleReader = true });
            _ = Task.Run(Send);
        }

        public WebhookTarget Target { get; set; }

        public async Task Post(SinkEvent activity)
        {
            if (!_events.Writer.TryWrite(activity))
            {
                var now = _owner._clock.GetUtcNow();
                await _owner.Record(new WebhookDelivery(Guid.CreateVersion7(now), Target.Info.Id, activity.Id, activity.Event,
                    WebhookDeliveryStatus.Failed, 0, null, "the webhook's queue was full", now, now));
                _owner.LogQueueFull(Target.Info.Id, activity.Event);
            }
        }

        public void Complete() => _events.Writer.TryComplete();

        private async Task Send()
        {
            await foreach (var activity in _events.Reader.ReadAllAsync())
            {
                try
                {
                    await _owner.Deliver(Target, activity);
                }
                catch (Exception error)
                {
                    _owner.LogSenderFailed(error, Target.Info.Id);
                }
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookId} ({Url}) did not take {Event} after {Attempts} attempts (last status {Status}, {Error})")]
    private partial void LogDeliveryFailed(Guid webhookId, string url, string @event, int attempts, int? status, string? error);

    [LoggerMessage(LogLevel.Error, "Webhook {WebhookId}'s queue is full: {Event} logged as failed without being sent")]
    private partial void LogQueueFull(Guid webhookId, string @event);

    [LoggerMessage(LogLevel.Error, "Writing delivery {DeliveryId} of webhook {WebhookId} to the delivery log failed")]
    private partial void LogRecordFailed(Exception error, Guid webhookId, Guid deliveryId);

    [LoggerMessage(LogLevel.Error, "Webhook {WebhookId}'s sender failed on one delivery; it goes on with the next")]
    private partial void LogSenderFailed(Exception error, Guid webhookId);
}
