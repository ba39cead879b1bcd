namespace Orleans.AgentChannel.Plugins;

/// <summary>What a strategy answers.</summary>
public sealed record AssignmentDecision
{
    private AssignmentDecision(AssignmentDecisionKind kind, IReadOnlyList<string> agents)
    {
        Kind = kind;
        Agents = agents;
    }

    public AssignmentDecisionKind Kind { get; }

    /// <summary>For <see cref="AssignmentDecisionKind.Offer"/>: agent names to offer the task to, in order.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Not this strategy's task: the next strategy (finally the built-in one) decides.</summary>
    public static AssignmentDecision Defer { get; } = new(AssignmentDecisionKind.Defer, []);

    /// <summary>Nobody now: the task keeps waiting and is offered again when the engine next looks.</summary>
    public static AssignmentDecision Wait { get; } = new(AssignmentDecisionKind.Wait, []);

    /// <summary>
    /// Offer the task to these agents in this order; the first that can take it gets it. Names that are not
    /// among the candidates are skipped.
    /// </summary>
    public static AssignmentDecision Offer(params IEnumerable<string> agents) => new(AssignmentDecisionKind.Offer, [.. agents]);
}
