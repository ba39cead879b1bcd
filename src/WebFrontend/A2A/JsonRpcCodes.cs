namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>The JSON-RPC and A2A error codes this server answers with.</summary>
public static class JsonRpcCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int TaskNotFound = -32001;
    public const int TaskNotCancelable = -32002;
    public const int UnsupportedOperation = -32004;
    public const int VersionNotSupported = -32009;
}
