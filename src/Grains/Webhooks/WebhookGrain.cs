using System.Security.Cryptography;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Events;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Storage;

namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// One webhook subscription. Webhooks see every activity event, whoever it concerns, so only the operator
/// manages them (an agent could otherwise read messages between other agents through one).
/// </summary>
public sealed class WebhookGrain(
    [PersistentState("webhook", WebhookStateStorage.Name)] IPersistentState<WebhookState> state,
    WebhookSink sink,
    TimeProvider clock) : Grain, IWebhookGrain
{
    private const int MaxUrlLength = 2048;
    private const int MaxEventFilters = 32;

    private Guid Id => this.GetPrimaryKey();

    public async Task<WebhookCreated> Create(Caller caller, NewWebhook webhook)
    {
        RequireOperator(caller);
        if (state.State.Created)
        {
            throw AgentChannelException.Conflict($"Webhook {Id} already exists.");
        }
        var url = ValidUrl(webhook.Url);
        var events = ValidEvents(webhook.Events);
        var secret = webhook.Secret is null ? NewSecret() : ValidSecret(webhook.Secret);
        state.State = new WebhookState
        {
            Created = true,
            Url = url,
            Events = events,
            Secret = secret,
            CreatedBy = caller.Name,
            CreatedAt = clock.GetUtcNow(),
        };
        await state.WriteOrRestore(DeactivateOnIdle);
        sink.SubscriptionsChanged();
        return new WebhookCreated(Info(), secret);
    }

    public Task<WebhookInfo> Get(Caller caller)
    {
        RequireOperator(caller);
        RequireCreated();
        return Task.FromResult(Info());
    }

    public async Task Delete(Caller caller)
    {
        RequireOperator(caller);
        RequireCreated();
        await state.ClearStateAsync();
        state.State = new WebhookState();
        sink.SubscriptionsChanged();
    }

    private WebhookInfo Info() => new(Id, state.State.Url, [.. state.State.Events], state.State.CreatedBy, state.State.CreatedAt);

    private void RequireCreated()
    {
        if (!state.State.Created)
        {
            throw AgentChannelException.NotFound($"No webhook with id {Id}.");
        }
    }

    internal static void RequireOperator(Caller caller)
    {
        if (!caller.IsOperator)
        {
            throw AgentChannelException.Forbidden("Only the operator manages webhooks: they receive every activity event.");
        }
    }

    private static string ValidUrl(string? url)
    {
        var text = Validation.RequireText(url, "url", MaxUrlLength);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw AgentChannelException.Invalid("url", "'url' must be an absolute http:// or https:// URL.");
        }
        return uri.ToString();
    }

    private static List<string> ValidEvents(IReadOnlyList<string>? events)
    {
        var filters = (events ?? []).Select(filter => filter?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (filters.Count > MaxEventFilters)
        {
            throw AgentChannelException.TooLarge("events", $"At most {MaxEventFilters} event filters.");
        }
        foreach (var filter in filters)
        {
            var known = filter == "*"
                        || (filter.EndsWith(":*", StringComparison.Ordinal) && KnownEvents.Any(name => name.StartsWith(filter[..^1], StringComparison.Ordinal)))
                        || KnownEvents.Contains(filter, StringComparer.Ordinal);
            if (!known)
            {
                throw AgentChannelException.Invalid("events",
                    $"'{filter}' is not an event filter: use an event name ({string.Join(", ", KnownEvents)}), a family such as 'task:*', or '*'.");
            }
        }
        return filters;
    }

    private static string ValidSecret(string secret) =>
        secret.Length is >= 16 and <= 256
            ? secret
            : throw AgentChannelException.Invalid("secret", "'secret' must be 16 to 256 characters (or left out to have one made).");

    private static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static readonly string[] KnownEvents =
    [
        // What the activity stream carries (an assignment shows as task:updated there).
        EventNames.MessageReceived, EventNames.TaskUpdated, EventNames.MemoryUpdated,
        EventNames.AgentJoined, EventNames.AgentLeft, EventNames.AgentUpdated, EventNames.AgentRetired,
    ];
}
