using System.Net;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.WebFrontend.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Components.Account;

/// <summary>
/// Whether the console opens without the operator token: only when the host listens on loopback addresses
/// alone (a local run), and then only for a request that plainly comes from this machine.
/// </summary>
public sealed class LoopbackConsoleAccess(LoopbackAddresses loopback, IOptions<FrontendOptions> options)
{
    /// <summary>On when configured and every address the server is bound to is a loopback one.</summary>
    public bool IsOpen => options.Value.ConsoleOpenOnLoopback && loopback.ListensOnLoopbackOnly;

    public bool Admits(HttpContext context) =>
        IsOpen
        && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
        // A page elsewhere that re-points its own host name at 127.0.0.1 (DNS rebinding) still sends its name.
        && LoopbackAddresses.IsLoopbackHost(context.Request.Host.Host)
        // A reverse proxy on this machine connects from loopback on behalf of someone else.
        && !context.Request.Headers.ContainsKey("Forwarded")
        && !context.Request.Headers.ContainsKey("X-Forwarded-For");
}
