using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Tasks;

/// <summary>Artifacts on the task's result: checked as the caller may read them, then shared with the task's parties.</summary>
public sealed partial class TaskGrain
{
    /// <summary>Artifact ids for the result: valid, and each readable by the caller (who thereby shares it with the task's parties).</summary>
    private async Task<IReadOnlyList<Guid>?> AttachableArtifacts(Caller caller, IReadOnlyList<Guid>? artifacts)
    {
        var ids = Artifacts.ArtifactIds.ValidIds(artifacts);
        if (ids is not null && Current.Artifacts.Union(ids).Count() > Artifacts.ArtifactIds.MaxPerAttachment)
        {
            throw AgentChannelException.TooLarge("artifacts", $"A task carries at most {Artifacts.ArtifactIds.MaxPerAttachment} artifacts.");
        }
        await Artifacts.ArtifactIds.RequireReadable(GrainFactory, caller, ids);
        return ids;
    }

    private void AttachArtifacts(IReadOnlyList<Guid>? artifacts)
    {
        foreach (var artifact in artifacts ?? [])
        {
            if (!Current.Artifacts.Contains(artifact))
            {
                Current.Artifacts.Add(artifact);
            }
        }
    }
}
