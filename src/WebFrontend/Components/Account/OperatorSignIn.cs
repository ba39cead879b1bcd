using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.WebFrontend.Components.Account;

/// <summary>
/// The console's sign-in: whoever types the operator token gets an HttpOnly, SameSite=Strict cookie (a second
/// authentication scheme beside the API's bearer tokens). The REST API never accepts this cookie, so the
/// API cannot be driven cross-site through it. A local run (bound to loopback only) opens the console without
/// the token, see <see cref="LoopbackConsoleAccess"/>.
/// </summary>
public static class OperatorSignIn
{
    public const string Scheme = "AgentChannelConsole";
    public const string Policy = "AgentChannelOperator";
    public const string SignInPath = "/console/signin";
    public const string SignOutPath = "/console/signout";
    public const string HomePath = "/console";
    public const string CookieName = "agentchannel-console";

    /// <summary>
    /// Marks a console operator. In the cookie it holds a hash of the token the cookie was issued for, so a new
    /// operator token signs every console out; loopback access (<see cref="LoopbackConsoleAccess"/>) sets "loopback".
    /// </summary>
    internal const string OperatorClaim = "agentchannel:operator-token";

    public static IServiceCollection AddOperatorSignIn(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // The Blazor hub (/_blazor) and the pages (/console) both need it.
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.AccessDeniedPath = SignInPath;
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events.OnValidatePrincipal = RejectCookiesOfAnotherToken;
        });
        services.AddSingleton<LoopbackConsoleAccess>();
        services.TryAddSingleton<SignInThrottle>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, LoopbackConsoleAuthenticationHandler>(
            LoopbackConsoleAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme, LoopbackConsoleAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireClaim(OperatorClaim));
        return services;
    }

    /// <summary>
    /// Signs the browser in when <paramref name="presented"/> is the operator token, unless its address is locked out
    /// for wrong tokens before (<see cref="SignInThrottle"/>): then the token is not even checked.
    /// </summary>
    public static async Task<SignInAttempt> TrySignIn(HttpContext context, string? presented)
    {
        var throttle = context.RequestServices.GetRequiredService<SignInThrottle>();
        var client = context.Connection.RemoteIpAddress;
        if (throttle.LockedOutFor(client) is { } wait)
        {
            return new SignInAttempt(SignInOutcome.LockedOut, wait);
        }
        var token = context.RequestServices.GetRequiredService<OperatorToken>();
        if (string.IsNullOrEmpty(presented) || !token.Matches(presented))
        {
            throttle.Failed(client);
            return new SignInAttempt(SignInOutcome.WrongToken);
        }
        throttle.Succeeded(client);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, Caller.OperatorName), new Claim(OperatorClaim, Fingerprint(token))], Scheme);
        // Not persistent: the cookie ends with the browser session (and after 8 idle hours at most).
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return new SignInAttempt(SignInOutcome.SignedIn);
    }

    public static Task SignOut(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>True when the console was opened by loopback access, where signing out means nothing.</summary>
    public static bool IsLoopbackAccess(ClaimsPrincipal user) =>
        user.Identities.Any(identity => identity.IsAuthenticated && identity.AuthenticationType == LoopbackConsoleAuthenticationHandler.SchemeName);

    /// <summary>Only console paths are followed after sign-in, so the page cannot be used as an open redirect.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is not null && (returnUrl == HomePath || returnUrl.StartsWith(HomePath + "/", StringComparison.Ordinal)
                                                         || returnUrl.StartsWith(HomePath + "?", StringComparison.Ordinal))
                              && !returnUrl.Contains('\\', StringComparison.Ordinal)
            ? returnUrl
            : HomePath;

    private static async Task RejectCookiesOfAnotherToken(CookieValidatePrincipalContext context)
    {
        var token = context.HttpContext.RequestServices.GetRequiredService<OperatorToken>();
        if (context.Principal?.FindFirst(OperatorClaim)?.Value != Fingerprint(token))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static string Fingerprint(OperatorToken token) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("agentchannel-console:" + token.Value)));
}
