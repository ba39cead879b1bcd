using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Messages;

namespace Orleans.AgentChannel.Client.Sending;

/// <summary>
/// Sends that overlap share one grain call (<see cref="IMessagesGrain.SendMany"/>), as the frames of one WebSocket
/// connection do: a program with many sends in flight pays the call, the gateway's token check and the log's commit
/// once per batch instead of once per message. One batch is out at a time; what arrives meanwhile goes in the next,
/// so a lone send leaves at once and a busy client's batches grow with its load. Each send is still answered for
/// itself (its stored message, its refusal, or its failure), in the order the sends were made.
/// </summary>
/// <remarks>
/// After a batch is answered, the next one is taken only after one turn of the thread pool: a program that keeps sends
/// in flight sends again from its answers' continuations (queued by the answers, which run continuations
/// asynchronously), and taken at once the next batch would hold one or two of them, the rest a batch behind. Measured
/// with 100 C# agents keeping 8 sends each in flight (bench/README.md, <c>client-direct</c>): about 4 messages per
/// call and per log write without the turn, about 8 with it.
/// </remarks>
internal sealed class SendBatcher(Func<IReadOnlyList<MessageDraft>, IReadOnlyList<IdempotencyKey?>, Task<IReadOnlyList<SendOutcome>>> sendMany)
{
    /// <summary>The grain takes at most this many drafts per call.</summary>
    private const int MaxBatch = 1000;

    private readonly Lock _gate = new();
    private readonly Queue<PendingSend> _waiting = new();
    private bool _sending;

    public Task<MessageInfo> Send(MessageDraft draft, IdempotencyKey key)
    {
        var pending = new PendingSend(draft, key);
        bool start;
        lock (_gate)
        {
            _waiting.Enqueue(pending);
            start = !_sending;
            _sending = true;
        }
        if (start)
        {
            _ = SendWaiting();
        }
        return pending.Answer.Task;
    }

    private async Task SendWaiting()
    {
        for (var answered = false; ; answered = true)
        {
            if (answered)
            {
                await Task.Yield(); // see the remarks: the answers' continuations send first
            }
            var batch = new List<PendingSend>();
            lock (_gate)
            {
                while (batch.Count < MaxBatch && _waiting.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
                if (batch.Count == 0)
                {
                    _sending = false;
                    return;
                }
            }
            try
            {
                var outcomes = await sendMany([.. batch.Select(send => send.Draft)], [.. batch.Select(send => (IdempotencyKey?)send.Key)]);
                for (var index = 0; index < batch.Count; index++)
                {
                    Answer(batch[index], outcomes[index]);
                }
            }
            catch (Exception error)
            {
                // The call as a whole was not answered (or was refused before any draft was looked at): so is each send.
                foreach (var send in batch)
                {
                    send.Answer.TrySetException(error);
                }
            }
        }
    }

    private static void Answer(PendingSend send, SendOutcome outcome)
    {
        if (outcome.Message is { } stored)
        {
            send.Answer.TrySetResult(stored);
        }
        else if (outcome.Error is { } refused)
        {
            send.Answer.TrySetException(refused);
        }
        else
        {
            send.Answer.TrySetException(new InvalidOperationException(
                $"The server failed to store the message (nothing was stored): {outcome.Failure}"));
        }
    }

    private sealed record PendingSend(MessageDraft Draft, IdempotencyKey Key)
    {
        public TaskCompletionSource<MessageInfo> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
