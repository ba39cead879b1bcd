using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>Size limits on what agents send (<c>AgentChannel:Limits</c>); exceeding one is a 413.</summary>
public sealed class LimitsOptions
{
    public const string Section = "AgentChannel:Limits";

    [Range(1, int.MaxValue)] public int MaxContentChars { get; set; } = 64 * 1024;
    [Range(2, int.MaxValue)] public int MaxMetadataBytes { get; set; } = 16 * 1024;
    [Range(2, int.MaxValue)] public int MaxMemoryValueBytes { get; set; } = 256 * 1024;
    [Range(2, int.MaxValue)] public int MaxTaskResultBytes { get; set; } = 256 * 1024;
    [Range(2, int.MaxValue)] public int MaxRequirementsBytes { get; set; } = 16 * 1024;
    [Range(1, int.MaxValue)] public int MaxTitleChars { get; set; } = 200;
    [Range(1, int.MaxValue)] public int MaxDescriptionChars { get; set; } = 16 * 1024;
    [Range(1, 10_000)] public int MaxRecipients { get; set; } = 256;
    [Range(1, 1_000)] public int MaxCapabilities { get; set; } = 64;
    [Range(1, 10_000)] public int MaxPageSize { get; set; } = 500;

    /// <summary>Tasks one task may depend on (<c>depends_on</c>).</summary>
    [Range(1, 10_000)] public int MaxDependencies { get; set; } = 100;

    /// <summary>Tasks that may depend on one task: each is kept in its grain state, to be told when it closes.</summary>
    [Range(1, 100_000)] public int MaxDependents { get; set; } = 1_000;

    /// <summary>Members of one channel: each is kept in the channel's grain state and gets every post.</summary>
    [Range(1, 100_000)] public int MaxChannelMembers { get; set; } = 10_000;

    /// <summary>Versions of a memory key its history keeps (the current one included).</summary>
    [Range(1, 100_000)] public int MemoryHistoryVersions { get; set; } = 100;

    /// <summary>memory:updated carries the value only up to this size; larger values are fetched with memory:get.</summary>
    [Range(0, int.MaxValue)] public int MaxMemoryEventValueBytes { get; set; } = 16 * 1024;

    /// <summary>How often keys with a time-to-live are checked for expiry.</summary>
    [Range(0.05, 3600)] public double MemoryExpirySweepSeconds { get; set; } = 1;

    /// <summary>
    /// How often stored messages still owed to an inbox (their first delivery failed) are delivered again, and how
    /// old a message must be before that: the sender's own attempt has had this long.
    /// </summary>
    [Range(0.05, 3600)] public double MessageRedeliverySeconds { get; set; } = 5;
}
