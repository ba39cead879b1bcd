using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Orleans.AgentChannel.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// Grain storage over <see cref="IGrainStates"/>: a grain's state is saved with a version check, in one transaction with
/// the rows it implies (what <see cref="SaveWithRows"/> writes; here none). Grains stored before their state moved here
/// are read from Orleans' ADO.NET storage until their next write, which moves them. A cleared grain keeps its version
/// here, so an older copy there is never read again.
/// </summary>
public class GrainStateStorage(
    IGrainStates states,
    Serializer serializer,
    [FromKeyedServices(AgentChannelStorage.Name)] IGrainStorage storedBefore) : IGrainStorage
{
    /// <summary>For grain state that implies no rows (the memory watch index).</summary>
    public const string Name = "agentchannel-state";

    protected IGrainStates States => states;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await states.Read(stateName, KeyOf(grainId));
        if (stored is null)
        {
            await storedBefore.ReadStateAsync(stateName, grainId, grainState);
            // Version 0 here: the next write moves the state into our table.
            grainState.ETag = null;
            return;
        }
        grainState.ETag = stored.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = stored.State is not null;
        grainState.State = stored.State is null ? Activator.CreateInstance<T>() : serializer.Deserialize<T>(stored.State);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var write = new GrainStateWrite(stateName, KeyOf(grainId), serializer.SerializeToArray(grainState.State), ExpectedVersion(grainState));
        var version = await SaveWithRows(grainId, grainState.State!, write);
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var version = await ClearWithRows(grainId, new GrainStateWrite(stateName, KeyOf(grainId), null, ExpectedVersion(grainState)));
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = false;
    }

    /// <summary>Saves <paramref name="write"/> and the rows <paramref name="state"/> implies in one transaction; returns the new version.</summary>
    protected virtual Task<long> SaveWithRows(GrainId grainId, object state, GrainStateWrite write) => states.Save(write);

    /// <summary>Clears the state (<paramref name="write"/> holds none) and removes its rows in one transaction.</summary>
    protected virtual Task<long> ClearWithRows(GrainId grainId, GrainStateWrite write) => states.Save(write);

    protected static string KeyOf(GrainId grainId) => grainId.Key.ToString()!;

    private static long ExpectedVersion<T>(IGrainState<T> grainState) =>
        grainState.ETag is { } etag ? long.Parse(etag, CultureInfo.InvariantCulture) : 0;

    protected static NotSupportedException Unsupported(object state, Type stored) =>
        new($"This grain storage stores {stored.Name} only, not {state.GetType().Name}.");
}
