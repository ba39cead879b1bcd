namespace Orleans.AgentChannel.Hosting;

public enum SqliteSynchronous
{
    /// <summary>Committed writes survive a process crash; the last ones may be lost on power loss (WAL).</summary>
    Normal,

    /// <summary>Every commit is fsynced: survives power loss, slower.</summary>
    Full,
}
