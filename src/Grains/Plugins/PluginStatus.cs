namespace Orleans.AgentChannel.Plugins;

/// <summary>A plugin's health at one moment; <see cref="Healthy"/> is false for a few minutes after any failure.</summary>
public sealed record PluginStatus(
    string Name,
    string Source,
    IReadOnlyList<string> ExtensionPoints,
    long Calls,
    long Errors,
    long Timeouts,
    long Skipped,
    long Retries,
    long EventsFailed,
    long EventsDropped,
    int? QueueLength,
    string? LastError,
    DateTimeOffset? LastFailureAt,
    bool Healthy);
