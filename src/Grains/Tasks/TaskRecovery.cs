using Microsoft.Extensions.Logging;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// After a start the engine's queues are empty and no lease is being watched. Waking every open task puts
/// waiting ones back in their queue, re-checks blocked ones, and restarts lease watches on held ones. In a
/// cluster the same wake runs when another silo dies (<see cref="Hosting.ClusterRecovery"/>): the queues and
/// lease timers that lived there are rebuilt on the survivors.
/// </summary>
internal sealed partial class TaskRecovery(ITaskIndex index, IGrainFactory grains, ILogger<TaskRecovery> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly AgentTaskStatus[] Open =
        [AgentTaskStatus.Pending, AgentTaskStatus.Blocked, AgentTaskStatus.Assigned, AgentTaskStatus.InProgress];

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TaskRecovery), ServiceLifecycleStage.Active, cancellation =>
        {
            _ = Task.Run(WakeOpenTasks, CancellationToken.None);
            return Task.CompletedTask;
        });

    public async Task WakeOpenTasks()
    {
        try
        {
            // Closed tasks too when they still owe an inbox event (a completion whose task:updated was not delivered).
            var open = (await index.WithStatus(Open)).Union(await index.OwingNotices()).ToList();
            foreach (var id in open)
            {
                await grains.GetGrain<ITaskGrain>(id).Wake();
            }
            LogWoken(open.Count);
        }
        catch (Exception exception)
        {
            LogFailed(exception);
        }
    }

    [LoggerMessage(LogLevel.Information, "Task recovery woke {Count} open tasks")]
    private partial void LogWoken(int count);

    [LoggerMessage(LogLevel.Error, "Task recovery failed; open tasks resume when next touched")]
    private partial void LogFailed(Exception exception);
}
