namespace Orleans.AgentChannel.Tasks;

/// <summary>The parties a task's rules name.</summary>
[Flags]
internal enum TaskParty
{
    None = 0,
    Assignee = 1,
    Creator = 2,
    Operator = 4,

    /// <summary>The channel itself: dependencies holding a task back and letting it go, the pool handing it out, a lost lease.</summary>
    Engine = 8,

    /// <summary>An agent taking a waiting task for itself (whether it may is <see cref="AssignmentPolicy"/>'s rule).</summary>
    Claimant = 16,
}
