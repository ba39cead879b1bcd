using Microsoft.Extensions.Logging;
using Orleans.AgentChannel.Client;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.Samples;

/// <summary>
/// Takes the tasks that need one capability and completes them. Tasks assigned to the agent (by their creator
/// or by the assignment engine) arrive as task:assigned, also those it claims itself; waiting ones it claims
/// every <see cref="ClaimInterval"/>, so nothing is left waiting while it has a free slot.
/// </summary>
public sealed partial class TaskWorker(AgentClient agent, string capability, ILogger<TaskWorker> logger)
{
    public TimeSpan ClaimInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Works until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var handler = agent.OnTaskAssigned(Work);
        agent.Start();
        LogStarted(agent.Name, capability);
        while (!stoppingToken.IsCancellationRequested)
        {
            await ClaimWaiting(stoppingToken);
            try
            {
                await Task.Delay(ClaimInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ClaimWaiting(CancellationToken stoppingToken)
    {
        try
        {
            // Each claimed task also arrives as task:assigned, and Work completes it there.
            while (await agent.ClaimTaskAsync(stoppingToken) is { } claimed)
            {
                LogClaimed(claimed.Id, claimed.Title);
            }
        }
        catch (ConflictException atLimit)
        {
            // The agent holds its limit of tasks: those come first.
            LogNotClaiming(atLimit.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task Work(TaskInfo task, CancellationToken cancellationToken)
    {
        LogWorking(task.Id, task.Title, task.Priority);
        var result = new
        {
            HandledBy = agent.Name,
            Capability = capability,
            Summary = $"Done: {task.Title}",
            DescriptionLength = task.Description.Length,
        };
        try
        {
            var completed = await agent.CompleteTaskAsync(task.Id, result, cancellationToken);
            LogCompleted(completed.Id, completed.Title);
        }
        catch (ConflictException gone)
        {
            // A replayed assignment of a task that was since completed, handed on or taken back.
            LogNoLongerHeld(task.Id, gone.Message);
        }
    }

    [LoggerMessage(LogLevel.Information, "{Agent} takes tasks that need '{Capability}' (Ctrl+C stops)")]
    private partial void LogStarted(string agent, string capability);

    [LoggerMessage(LogLevel.Information, "Claimed {TaskId} '{Title}'")]
    private partial void LogClaimed(Guid taskId, string title);

    [LoggerMessage(LogLevel.Information, "Not claiming more now: {Reason}")]
    private partial void LogNotClaiming(string reason);

    [LoggerMessage(LogLevel.Information, "Working on {TaskId} '{Title}' (P{Priority})")]
    private partial void LogWorking(Guid taskId, string title, int priority);

    [LoggerMessage(LogLevel.Information, "Completed {TaskId} '{Title}'")]
    private partial void LogCompleted(Guid taskId, string title);

    [LoggerMessage(LogLevel.Warning, "Task {TaskId} is no longer ours: {Reason}")]
    private partial void LogNoLongerHeld(Guid taskId, string reason);
}
