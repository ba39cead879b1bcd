using System.Diagnostics;
using Orleans.AgentChannel.Events;

namespace Orleans.AgentChannel.Storage;

/// <summary>
/// The storage leg of a traced call. A write queue commits many callers' writes in one transaction, and a span has
/// one parent, so each traced caller gets a span of its own in its own trace: from the moment it queued its write to
/// the commit (or failure) of the batch that held it, with the batch's size and the moment the batch began. Untraced
/// writes (tracing off, or a caller outside any span) capture nothing.
/// </summary>
internal struct StorageSpan
{
    private ActivityContext _parent;
    private DateTimeOffset _queuedAt;
    private DateTimeOffset _batchBegan;
    private int _batchSize;

    public static StorageSpan Capture() =>
        Activity.Current is { } current && AgentChannelTracing.Storage.HasListeners()
            ? new StorageSpan { _parent = current.Context, _queuedAt = DateTimeOffset.UtcNow }
            : default;

    public readonly bool IsTraced => _parent != default;

    public void Batched(int size, DateTimeOffset began)
    {
        _batchSize = size;
        _batchBegan = began;
    }

    /// <summary>Tells each write's span the batch it went in (<paramref name="mark"/> calls <see cref="Batched"/>); nothing when storage tracing has no listener.</summary>
    public static void MarkBatch<TWrite>(IReadOnlyList<TWrite> batch, Action<TWrite, int, DateTimeOffset> mark)
    {
        if (!AgentChannelTracing.Storage.HasListeners())
        {
            return;
        }
        var began = DateTimeOffset.UtcNow;
        foreach (var write in batch)
        {
            mark(write, batch.Count, began);
        }
    }

    /// <summary>Records the span, ended now; <paramref name="failure"/> marks it failed.</summary>
    public readonly void End(string engine, Exception? failure = null)
    {
        if (!IsTraced)
        {
            return;
        }
        using var span = AgentChannelTracing.Storage.StartActivity($"{engine} commit", ActivityKind.Client, _parent, startTime: _queuedAt);
        if (span is null)
        {
            return;
        }
        span.SetTag("db.system", engine).SetTag(AgentChannelTracing.BatchSizeTag, _batchSize);
        if (_batchBegan != default)
        {
            span.AddEvent(new ActivityEvent("batch began", _batchBegan));
        }
        if (failure is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
        }
    }
}
