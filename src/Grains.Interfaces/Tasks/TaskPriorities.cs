namespace Orleans.AgentChannel.Tasks;

public static class TaskPriorities
{
    /// <summary>1 is the most urgent (P1), 5 the least.</summary>
    public const int Highest = 1;
    public const int Lowest = 5;
    public const int Default = 3;
}
