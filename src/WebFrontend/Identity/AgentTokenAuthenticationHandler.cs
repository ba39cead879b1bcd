using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.WebFrontend.Api;

namespace Orleans.AgentChannel.WebFrontend.Identity;

/// <summary>
/// Bearer tokens: the operator's configured token, or an agent token verified by that agent's grain.
/// The authenticated name is the only identity an endpoint ever acts under.
/// </summary>
public sealed class AgentTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains,
    OperatorToken operatorToken,
    ProblemResponses problems) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AgentToken";
    private const string OperatorClaim = "agentchannel:operator";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }
        if (operatorToken.Matches(token))
        {
            return Success(Caller.OperatorName, isOperator: true);
        }
        var claimedName = AgentTokens.ClaimedAgentName(token);
        if (claimedName is null || !AgentNames.IsValid(claimedName))
        {
            return AuthenticateResult.Fail("The bearer token is not an AgentChannel token.");
        }
        var agent = await grains.GetGrain<IAgentGrain>(AgentNames.Key(claimedName)).Authenticate(token);
        return agent is null ? AuthenticateResult.Fail("The bearer token is not valid.") : Success(agent.Name, isOperator: false);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        problems.Write(Context, ErrorKind.Unauthorized,
            "A valid bearer token is required: 'Authorization: Bearer <token>' from registration, or the operator token.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        problems.Write(Context, ErrorKind.Forbidden, "The caller may not do this.");

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7
            ? header[7..].Trim()
            : null;
    }

    /// <summary>The caller an authenticated request acts as.</summary>
    public static Caller CallerOf(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? throw new InvalidOperationException("The request is not authenticated.");
        return user.HasClaim(OperatorClaim, "true") ? Caller.Operator : Caller.Agent(name);
    }

    private static AuthenticateResult Success(string name, bool isOperator)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        if (isOperator)
        {
            claims.Add(new Claim(OperatorClaim, "true"));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
