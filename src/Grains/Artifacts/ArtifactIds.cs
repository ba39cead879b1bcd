using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Identity;

namespace Orleans.AgentChannel.Artifacts;

/// <summary>
/// Artifact ids a message or task result carries: checked before the write that links them, so nobody can attach
/// (and so give its audience) an artifact they may not read themselves.
/// </summary>
internal static class ArtifactIds
{
    public const int MaxPerAttachment = 32;

    /// <summary>The ids, distinct and in order; null when there are none.</summary>
    public static IReadOnlyList<Guid>? ValidIds(IReadOnlyList<Guid>? ids)
    {
        if (ids is null || ids.Count == 0)
        {
            return null;
        }
        var distinct = ids.Distinct().ToList();
        if (distinct.Count > MaxPerAttachment)
        {
            throw AgentChannelException.TooLarge("artifacts", $"At most {MaxPerAttachment} artifacts.");
        }
        if (distinct.Contains(Guid.Empty))
        {
            throw AgentChannelException.Invalid("artifacts", "An artifact id must not be empty.");
        }
        return distinct;
    }

    /// <summary>Each artifact must exist and be readable by <paramref name="caller"/> (not_found or forbidden otherwise).</summary>
    public static async Task RequireReadable(this IGrainFactory grains, Caller caller, IReadOnlyList<Guid>? ids)
    {
        foreach (var id in ids ?? [])
        {
            await grains.GetGrain<IArtifactGrain>(id).Get(caller);
        }
    }
}
