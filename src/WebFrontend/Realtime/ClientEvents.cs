namespace Orleans.AgentChannel.WebFrontend.Realtime;

/// <summary>Client event names beyond the server's pushes (docs/api.md §5).</summary>
public static class ClientEvents
{
    public const string Register = "agent:register";
    public const string Heartbeat = "agent:heartbeat";
    public const string RotateToken = "agent:rotate_token";
    public const string MessageSend = "message:send";
    public const string TaskCreate = "task:create";
    public const string TaskAssign = "task:assign";
    public const string TaskUpdate = "task:update";
    public const string TaskComplete = "task:complete";
    public const string TaskClaim = "task:claim";
    public const string TaskRequestInput = "task:request_input";
    public const string TaskProvideInput = "task:provide_input";
    public const string TaskApprove = "task:approve";
    public const string TaskSendBack = "task:send_back";
    public const string MemorySet = "memory:set";
    public const string MemoryGet = "memory:get";
    public const string MemoryDelete = "memory:delete";
    public const string MemoryWatch = "memory:watch";
    public const string MemoryUnwatch = "memory:unwatch";
    public const string InboxAck = "inbox:ack";
    public const string ChannelJoin = "channel:join";
    public const string ChannelLeave = "channel:leave";
}
