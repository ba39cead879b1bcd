namespace Orleans.AgentChannel.Tasks;

/// <summary>What the assignment engine got when it offered a task to an agent.</summary>
[GenerateSerializer, Alias("engine-offer")]
public enum EngineOffer
{
    Assigned,

    /// <summary>The task is no longer waiting (claimed, cancelled, or assigned by someone else).</summary>
    NotWaiting,

    /// <summary>This agent cannot take it (no longer capable or present); try another.</summary>
    Refused,
}
