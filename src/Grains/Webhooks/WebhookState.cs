namespace Orleans.AgentChannel.Webhooks;

[GenerateSerializer, Alias("webhook-state")]
public sealed class WebhookState
{
    [Id(0)] public bool Created { get; set; }
    [Id(1)] public string Url { get; set; } = "";
    [Id(2)] public List<string> Events { get; set; } = [];
    [Id(3)] public string Secret { get; set; } = "";
    [Id(4)] public string CreatedBy { get; set; } = "";
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
}
