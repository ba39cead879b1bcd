namespace Orleans.AgentChannel.Messages;

public static class MessageTypes
{
    public const string Default = "text";
}
