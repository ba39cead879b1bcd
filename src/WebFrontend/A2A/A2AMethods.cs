namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>A2A's JSON-RPC method names (v1.0; v0.3's message/send etc. are not served).</summary>
public static class A2AMethods
{
    public const string SendMessage = "SendMessage";
    public const string SendStreamingMessage = "SendStreamingMessage";
    public const string GetTask = "GetTask";
    public const string CancelTask = "CancelTask";
    public const string SubscribeToTask = "SubscribeToTask";
}
