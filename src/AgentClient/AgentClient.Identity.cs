using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// Who this client is: authenticating (or registering) with the token, rotating it, retiring the agent.
/// </summary>
public sealed partial class AgentClient
{
    /// <summary>
    /// The token from the options or the token file authenticates the agent, and the profile in the options
    /// replaces the stored one (a re-registration). Without a token the agent is registered and its new token saved.
    /// </summary>
    private async Task<AgentInfo> Authenticate()
    {
        var registration = new AgentRegistration(_options.Name, _options.Type, _options.Capabilities, JsonValues.From(_options.Metadata, _options.JsonOptions));
        var token = _options.Token;
        var fromFile = false;
        if (token is null)
        {
            token = TokenStore.Read(TokenFile);
            fromFile = token is not null;
        }
        if (token is not null)
        {
            var claimed = AgentTokens.ClaimedAgentName(token);
            if (!fromFile && claimed is not null && !AgentNames.Equal(claimed, _options.Name))
            {
                throw new InvalidRequestException($"The token belongs to the agent '{claimed}', not '{_options.Name}'.", "name");
            }
            var known = claimed is not null && AgentNames.Equal(claimed, _options.Name) ? await _grain.Authenticate(token) : null;
            if (known is not null)
            {
                Token = token;
                return (await Call(() => _grain.Register(registration, token))).Agent;
            }
            if (!fromFile)
            {
                throw new UnauthorizedException($"The token given for '{_options.Name}' is not valid.");
            }
            // A token file from a server whose data was reset: the name may be free again.
            LogTokenFileRefused(TokenFile, _options.Name);
        }
        AgentRegistered registered;
        try
        {
            registered = await _grain.Register(registration, null);
        }
        catch (AgentChannelException error) when (error.Code == ErrorKind.Conflict)
        {
            var refused = fromFile ? " (the one there was refused)" : "";
            throw new ConflictException($"{error.Message} No token for '{_options.Name}' was given or found in {TokenFile}{refused}.", inner: error);
        }
        catch (AgentChannelException error)
        {
            throw AgentRequestException.From(error);
        }
        Token = registered.Token!;
        try
        {
            TokenStore.Write(TokenFile, Token);
            LogRegistered(registered.Agent.Name, TokenFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogTokenNotSaved(exception, TokenFile);
        }
        return registered.Agent;
    }

    /// <summary>
    /// Replaces the agent's token: the new one is kept in <see cref="Token"/> and saved to <see cref="TokenFile"/>, the
    /// old one stops at once everywhere (REST, WebSocket and MCP answer it 401, the cluster gateway unauthorized), and the
    /// agent's other live connections are closed. This client stays connected.
    /// </summary>
    public async Task<string> RotateTokenAsync(CancellationToken cancellationToken = default)
    {
        var rotated = await Call(() => _grain.RotateToken(_caller, ConnectionId), cancellationToken);
        Token = rotated.Token!;
        try
        {
            TokenStore.Write(TokenFile, Token);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogTokenNotSaved(exception, TokenFile);
        }
        return Token;
    }

    /// <summary>
    /// Retires the agent: it leaves listings and assignment, its tasks go back to the queue, its token stops and
    /// messages to it are refused as gone; its history stays. Only the operator can register the name again.
    /// </summary>
    public Task RetireAsync(CancellationToken cancellationToken = default) =>
        Call(async () =>
        {
            await _grain.Retire(_caller);
            return true;
        }, cancellationToken);
}
