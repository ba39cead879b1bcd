using System.Text.RegularExpressions;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Messages;

/// <summary>What makes a draft a message, checked once before anything is routed or stored.</summary>
internal static partial class MessageRules
{
    // \z, not $: "$" also matches before a final newline.
    [GeneratedRegex(@"^[a-z][a-z0-9_.:-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex MessageTypePattern();

    public sealed record ValidDraft(string Content, IReadOnlyList<string> Recipients, string? Channel, Guid? TaskId, string MessageType, RawJson Metadata,
        IReadOnlyList<Guid>? Artifacts = null)
    {
        /// <summary>
        /// The message to store. Its time is cut to whole milliseconds, the log's resolution, so what a send
        /// returns equals what a later read returns.
        /// </summary>
        public MessageInfo ToMessage(string sender, IReadOnlyList<string> recipients, DateTimeOffset now)
        {
            var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
            return new MessageInfo(Guid.CreateVersion7(createdAt), 0, sender, recipients, Channel, TaskId, Content, MessageType, Metadata, createdAt, Artifacts);
        }
    }

    public static ValidDraft Validate(MessageDraft draft, LimitsOptions limits)
    {
        var content = draft.Content is null
            ? throw AgentChannelException.Invalid("content", "'content' is required.")
            : Validation.LimitText(draft.Content, "content", limits.MaxContentChars);
        if (content.Length == 0)
        {
            throw AgentChannelException.Invalid("content", "'content' must not be empty.");
        }
        var recipients = (draft.Recipients ?? []).Select(name => AgentNames.Require(name, "recipients"))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (recipients.Count > limits.MaxRecipients)
        {
            throw AgentChannelException.TooLarge("recipients", $"At most {limits.MaxRecipients} recipients.");
        }
        var channel = draft.Channel is null ? null : AgentNames.Key(AgentNames.Require(draft.Channel, "channel"));
        if (channel is not null && recipients.Count > 0)
        {
            throw AgentChannelException.Invalid("recipients", "A message goes either to 'recipients' or to a 'channel', not both.");
        }
        if (channel is null && recipients.Count == 0 && draft.TaskId is null)
        {
            throw AgentChannelException.Invalid("recipients", "A message needs 'recipients', a 'channel' or a 'task_id'.");
        }
        var messageType = draft.MessageType ?? MessageTypes.Default;
        if (!MessageTypePattern().IsMatch(messageType))
        {
            throw AgentChannelException.Invalid("message_type",
                "'message_type' must be 1-64 characters: lower-case letters, digits, '_', '.', ':' or '-'.");
        }
        var metadata = Validation.ObjectOrEmpty(draft.Metadata, "metadata", limits.MaxMetadataBytes);
        return new ValidDraft(content, recipients, channel, draft.TaskId, messageType, metadata, Artifacts.ArtifactIds.ValidIds(draft.Artifacts));
    }
}
