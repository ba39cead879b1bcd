using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.WebFrontend.Api;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// The Origin check the MCP Streamable HTTP transport requires of servers, against a web page making a
/// visitor's browser call the channel: a request with an Origin other than the server's own or a configured
/// one is refused with 403. Tools that are not browsers send no Origin and pass.
/// </summary>
public sealed class McpOrigins(LoopbackAddresses loopback, IOptions<McpOptions> options)
{
    public bool Admits(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderNames.Origin, out var header))
        {
            return true;
        }
        if (!Uri.TryCreate(header.ToString(), UriKind.Absolute, out var origin))
        {
            return false;
        }
        if (options.Value.AllowedOrigins.Any(allowed => Uri.TryCreate(allowed, UriKind.Absolute, out var uri) && SameOrigin(uri, origin)))
        {
            return true;
        }
        return Uri.TryCreate($"{request.Scheme}://{request.Host}", UriKind.Absolute, out var own) && SameOrigin(own, origin)
            // A page elsewhere that re-points its own name at 127.0.0.1 (DNS rebinding) is "same-origin" by its Host
            // header: a server only this machine can reach is its own origin only under a loopback name.
            && (!loopback.ListensOnLoopbackOnly || LoopbackAddresses.IsLoopbackHost(origin.Host));
    }

    /// <summary>Wraps an endpoint so that a refused Origin gets 403 problem details and never reaches MCP.</summary>
    public static RequestDelegate Guard(RequestDelegate next) => async context =>
    {
        if (context.RequestServices.GetRequiredService<McpOrigins>().Admits(context.Request))
        {
            await next(context);
            return;
        }
        await context.RequestServices.GetRequiredService<ProblemResponses>().Write(context, ErrorKind.Forbidden,
            $"Origin '{context.Request.Headers.Origin}' may not call this MCP endpoint: only the server's own origin and " +
            "AgentChannel:Mcp:AllowedOrigins may (tools that are not browsers send no Origin).");
    };

    /// <summary>An origin as browsers send it: http(s), host and port, nothing more.</summary>
    public static bool IsOrigin(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);

    private static bool SameOrigin(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
