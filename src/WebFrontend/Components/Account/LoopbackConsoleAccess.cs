using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Identity;
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

/// <summary>Signs in, as the operator, the requests <see cref="LoopbackConsoleAccess"/> admits; no one else.</summary>
public sealed class LoopbackConsoleAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    LoopbackConsoleAccess access) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AgentChannelConsoleLoopback";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!access.Admits(Context))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, Caller.OperatorName), new Claim(OperatorSignIn.OperatorClaim, "loopback")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    // Whoever this scheme does not admit signs in with the cookie scheme, which answers (a redirect to sign-in).
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;
}
