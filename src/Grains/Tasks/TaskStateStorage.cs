using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Tasks;

/// <summary>
/// Grain storage for task grains: a task's state and its row in the tasks table (what listings, load counts,
/// recovery and reports read) are one statement (<see cref="ITaskIndex.Save"/>), so no crash or failed write can
/// leave a task's state and the lists disagreeing. On SQLite the statement joins the writer's group commit.
/// Tasks written before their state moved here are read from Orleans' grain storage until their next write.
/// </summary>
public sealed class TaskStateStorage(
    ITaskIndex tasks,
    Serializer<TaskState> serializer,
    TimeProvider clock,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : IGrainStorage
{
    public const string Name = "agentchannel-tasks";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await tasks.ReadState(grainId.GetGuidKey());
        if (stored is null)
        {
            await storedBefore.ReadStateAsync(stateName, grainId, grainState);
            // Version 0 here: the next write moves the state into the task's row.
            grainState.ETag = null;
            return;
        }
        grainState.State = (T)(object)serializer.Deserialize(stored.State)!;
        grainState.ETag = stored.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is not TaskState state)
        {
            throw new NotSupportedException($"{nameof(TaskStateStorage)} stores {nameof(TaskState)} only, not {typeof(T).Name}.");
        }
        var expectedVersion = grainState.ETag is { } etag ? long.Parse(etag, CultureInfo.InvariantCulture) : 0;
        var version = await tasks.Save(state.ToInfo(grainId.GetGuidKey(), clock.GetUtcNow()), serializer.SerializeToArray(state), expectedVersion,
            owesNotices: state.Notices.Count > 0);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        throw new NotSupportedException("Tasks are never deleted: their rows are the history lists and reports read.");
}
