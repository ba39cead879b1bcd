using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Agents;

public sealed class AgentGrain(
    [PersistentState("agent", AgentChannelStorage.Name)] IPersistentState<AgentState> state,
    IAgentIndex index,
    IOptions<LimitsOptions> limits,
    TimeProvider clock) : Grain, IAgentGrain
{
    private const int MaxTypeChars = 64;
    private const int MaxCapabilityChars = 64;

    public async Task<AgentRegistered> Register(AgentRegistration registration, string? presentedToken)
    {
        var name = AgentNames.Require(registration.Name, "name");
        if (!AgentNames.Equal(name, this.GetPrimaryKeyString()))
        {
            throw AgentChannelException.Invalid("name", "'name' does not match the agent being registered.");
        }
        if (AgentNames.Equal(name, Caller.OperatorName))
        {
            throw AgentChannelException.Conflict($"The name '{Caller.OperatorName}' is reserved.");
        }
        var type = Validation.RequireText(registration.Type, "type", MaxTypeChars);
        var capabilities = ValidCapabilities(registration.Capabilities);
        var metadata = Validation.ObjectOrEmpty(registration.Metadata, "metadata", limits.Value.MaxMetadataBytes);

        var now = clock.GetUtcNow();
        string? token = null;
        if (state.State.IsRegistered)
        {
            if (presentedToken is null || !AgentTokens.Matches(presentedToken, state.State.TokenHash!))
            {
                throw AgentChannelException.Conflict($"An agent named '{state.State.Name}' is already registered; re-registering needs its token.");
            }
        }
        else
        {
            token = AgentTokens.Create(name);
            state.State.Id = Guid.CreateVersion7(now);
            state.State.Name = name;
            state.State.CreatedAt = now;
            state.State.TokenHash = AgentTokens.Hash(token);
        }
        state.State.Type = type;
        state.State.Capabilities = capabilities;
        state.State.Metadata = metadata;
        state.State.Status = AgentStatus.Online;
        state.State.LastSeen = now;
        await SaveAsync();
        return new AgentRegistered(state.State.ToInfo(), token, Created: token is not null);
    }

    public Task<AgentInfo?> Get() => Task.FromResult(state.State.IsRegistered ? state.State.ToInfo() : null);

    public Task<AgentInfo?> Authenticate(string token) => Task.FromResult(
        state.State.IsRegistered && AgentTokens.Matches(token, state.State.TokenHash!) ? state.State.ToInfo() : null);

    public async Task<AgentInfo> SetStatus(Caller caller, AgentStatus status)
    {
        if (!state.State.IsRegistered)
        {
            throw AgentChannelException.NotFound($"No agent named '{this.GetPrimaryKeyString()}'.");
        }
        if (!caller.IsOperator && !caller.Is(state.State.Name))
        {
            throw AgentChannelException.Forbidden("Only the agent itself or the operator may change its status.");
        }
        if (!Enum.IsDefined(status))
        {
            throw AgentChannelException.Invalid("status", "'status' must be online, busy or offline.");
        }
        state.State.Status = status;
        if (caller.Is(state.State.Name))
        {
            state.State.LastSeen = clock.GetUtcNow();
        }
        await SaveAsync();
        return state.State.ToInfo();
    }

    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        await index.Upsert(state.State.ToInfo());
    }

    private List<string> ValidCapabilities(IReadOnlyList<string>? capabilities)
    {
        var result = new List<string>();
        foreach (var capability in capabilities ?? [])
        {
            var valid = Validation.RequireText(capability, "capabilities", MaxCapabilityChars).Trim();
            if (!result.Contains(valid, StringComparer.Ordinal))
            {
                result.Add(valid);
            }
        }
        if (result.Count > limits.Value.MaxCapabilities)
        {
            throw AgentChannelException.TooLarge("capabilities", $"At most {limits.Value.MaxCapabilities} capabilities.");
        }
        return result;
    }
}
