using Orleans.AgentChannel.Agents;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// The agents a message addressed to a capability reaches, resolved once, when it is sent: from then on it is a message
/// to those named recipients (stored in <c>message_recipients</c>, owed to their inboxes, read by them in history), so
/// delivery, redelivery and a keyed retry treat them as if the sender had named them.
/// </summary>
internal static class RoleRecipients
{
    private const string Field = "to_capability";

    /// <summary>
    /// <see cref="RoleMode.Any"/>: the first agent of <see cref="AssignmentPolicy.Rank"/> (the assignment pool's ranking, over
    /// <see cref="IAgentIndex.Candidates"/>: online, not retired, fewest tasks held, then name), without a
    /// slot limit, since a message takes no task slot. <see cref="RoleMode.All"/>: every agent that has the capability and
    /// is not retired, online or not (the inbox keeps it for an offline one). Never the sender. None is a refusal:
    /// not_found when no agent has the capability, conflict when some have it but none is online for <c>any</c>.
    /// </summary>
    public static async Task<IReadOnlyList<string>> Resolve(IAgentIndex agents, MessageRules.RoleAddress role, Caller sender, int maxRecipients)
    {
        if (role.Mode == RoleMode.Any)
        {
            // Two: the sender may be the first.
            var ranked = AssignmentPolicy.Rank(await agents.Candidates([role.Capability], int.MaxValue, limit: 2), [role.Capability], int.MaxValue);
            if (ranked.FirstOrDefault(agent => !IsSender(agent, sender)) is { } chosen)
            {
                return [chosen.Name];
            }
            var holders = await Holders(agents, role.Capability, sender);
            throw holders.Count == 0
                ? NoneHave(role.Capability)
                : AgentChannelException.Conflict(
                    $"No agent with capability '{role.Capability}' is online to take a message sent to any of them " +
                    $"({holders.Count} {(holders.Count == 1 ? "has" : "have")} it, none online). Send it to all of them " +
                    "(mode 'all': each inbox keeps it) or try again later.");
        }
        var all = await Holders(agents, role.Capability, sender);
        if (all.Count == 0)
        {
            throw NoneHave(role.Capability);
        }
        return all.Count <= maxRecipients
            ? all
            : throw AgentChannelException.TooLarge(Field,
                $"{all.Count} agents have capability '{role.Capability}'; a message reaches at most {maxRecipients} recipients.");
    }

    private static async Task<List<string>> Holders(IAgentIndex agents, string capability, Caller sender) =>
        [.. (await agents.List(new AgentQuery(Capability: capability)))
            .Where(agent => !IsSender(agent, sender))
            .Select(agent => agent.Name)];

    private static bool IsSender(AgentListing agent, Caller sender) => !sender.IsOperator && AgentNames.Equal(agent.Name, sender.Name);

    private static AgentChannelException NoneHave(string capability) =>
        new(ErrorKind.NotFound, $"No agent other than the sender has capability '{capability}' (to_capability).", Field);
}
