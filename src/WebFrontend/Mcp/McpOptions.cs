namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>The MCP endpoint (<c>AgentChannel:Mcp</c>).</summary>
public sealed class McpOptions
{
    public const string Section = "AgentChannel:Mcp";

    /// <summary>
    /// Browser origins besides the server's own that may call <c>/mcp</c>, e.g. <c>http://localhost:6274</c> for
    /// the MCP Inspector. Tools that are not browsers send no Origin and need no entry.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];
}
