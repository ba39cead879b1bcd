namespace Orleans.AgentChannel.Events;

/// <summary>Orleans stream ids: publish and subscribe with exactly these.</summary>
public static class AgentChannelStreams
{
    public const string ProviderName = "agentchannel";

    /// <summary>
    /// How many streams carry the activity: each entity's events go on one of them (so they stay in order), and
    /// no single stream queue carries the whole cluster.
    /// </summary>
    public const int ActivityShards = 8;

    /// <summary>
    /// Everything that happens, for the operator's side only (console, metrics, event sinks and webhooks):
    /// agents get their events from the owning grain, never from these streams.
    /// </summary>
    public static IReadOnlyList<StreamId> Activity { get; } =
        [.. Enumerable.Range(0, ActivityShards).Select(shard => StreamId.Create("activity", shard.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>The activity stream of one entity (agent, task, channel, memory key, message sender).</summary>
    public static StreamId ActivityOf(string entityKey) => Activity[(int)(StableHash(entityKey) % ActivityShards)];

    /// <summary>FNV-1a over the UTF-16 code units: the same in every process (string.GetHashCode is not).</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var unit in text)
        {
            hash = (hash ^ unit) * 16777619u;
        }
        return hash;
    }
}
