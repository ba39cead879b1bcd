namespace Orleans.AgentChannel.Tasks;

/// <summary>What the creator or the operator decided about a task awaiting approval.</summary>
[GenerateSerializer, Alias("review-decision")]
public enum ReviewDecision
{
    /// <summary>The task is completed; its dependents go ahead.</summary>
    Approved,

    /// <summary>The task went back to its assignee (in_progress) with a comment.</summary>
    SentBack,
}
