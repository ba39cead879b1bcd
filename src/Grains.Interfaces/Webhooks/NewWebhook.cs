namespace Orleans.AgentChannel.Webhooks;

/// <summary>
/// A subscription as the operator writes it: where to POST, which activity events (exact names such as
/// <c>message:received</c>, a family such as <c>task:*</c>, or <c>*</c>; none means every event), and the secret
/// deliveries are signed with (made up and returned once when omitted).
/// </summary>
[GenerateSerializer, Alias("new-webhook")]
public sealed record NewWebhook(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyList<string>? Events = null,
    [property: Id(2)] string? Secret = null);
