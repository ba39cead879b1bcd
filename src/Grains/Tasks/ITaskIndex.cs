namespace Orleans.AgentChannel.Tasks;

/// <summary>The tasks query table: written by each task grain, read by listings and load counts.</summary>
public interface ITaskIndex
{
    Task Upsert(TaskInfo task);

    Task<TaskPage> List(TaskQuery query);
}
