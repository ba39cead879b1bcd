namespace Orleans.AgentChannel.Memory;

public static class MemoryKeys
{
    public const int MaxLength = 256;

    /// <summary>Reserved: <c>GET /api/memory/{key}/history</c> addresses a key's history.</summary>
    public const string HistorySuffix = "/history";

    /// <summary>
    /// A key to address a memory grain with; its grain checks everything else about it. Orleans refuses a blank
    /// grain key outright, so a key of only spaces is refused here, where the grain cannot be reached to say so.
    /// </summary>
    public static string Require(string? key, string field = "key") =>
        string.IsNullOrWhiteSpace(key) ? throw Errors.AgentChannelException.Invalid(field, $"'{field}' is required and must not be blank.") : key;

    /// <summary>The memory grain of a key, the key checked first (<see cref="Require"/>): how every front door reaches one.</summary>
    public static IMemoryGrain MemoryGrain(this IGrainFactory grains, string? key) => grains.GetGrain<IMemoryGrain>(Require(key));
}
