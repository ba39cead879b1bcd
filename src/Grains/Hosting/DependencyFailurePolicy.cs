namespace Orleans.AgentChannel.Hosting;

public enum DependencyFailurePolicy
{
    /// <summary>Dependents stay blocked, with the reason, until someone changes them.</summary>
    Block,

    /// <summary>Dependents fail too (and so do theirs).</summary>
    Fail,
}
