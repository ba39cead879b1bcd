using System.Security.Claims;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.WebFrontend.Identity;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// Who an MCP request acts as: the agent (or operator) of the request's bearer token, authenticated by the
/// same scheme as the REST API. Only register_agent works without one.
/// </summary>
public static class McpCaller
{
    public static Caller Of(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true
            ? AgentTokenAuthenticationHandler.CallerOf(user)
            : throw new AgentChannelException(ErrorKind.Unauthorized,
                "This tool acts as an agent: send its token as 'Authorization: Bearer <token>' (register_agent returns it once).");
}
