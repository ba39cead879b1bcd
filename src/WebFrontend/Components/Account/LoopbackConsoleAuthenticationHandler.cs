using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Components.Account;

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
