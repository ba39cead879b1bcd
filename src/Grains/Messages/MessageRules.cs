using System.Text.RegularExpressions;
using Orleans.AgentChannel.Agents;
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

    /// <summary>A draft as checked; <see cref="Role"/> is set when it is addressed to a capability.</summary>
    public sealed record ValidDraft(string Content, IReadOnlyList<string> Recipients, string? Channel, Guid? TaskId, string MessageType,
        RawJson Metadata, RoleAddress? Role = null, IReadOnlyList<Guid>? Artifacts = null)
    {
        /// <summary>
        /// The message to store. Its time is cut to whole milliseconds, the log's resolution, so what a send
        /// returns equals what a later read returns.
        /// </summary>
        public MessageInfo ToMessage(string sender, IReadOnlyList<string> recipients, DateTimeOffset now)
        {
            var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
            return new MessageInfo(Guid.CreateVersion7(createdAt), 0, sender, recipients, Channel, TaskId, Content, MessageType, Metadata,
                createdAt, Role?.Capability, Role?.Mode, Artifacts);
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
        var role = Role(draft, addressedOtherwise: channel is not null || recipients.Count > 0);
        if (channel is null && recipients.Count == 0 && role is null && draft.TaskId is null)
        {
            throw AgentChannelException.Invalid("recipients", "A message needs 'recipients', a 'channel', a 'to_capability' or a 'task_id'.");
        }
        var messageType = draft.MessageType ?? MessageTypes.Default;
        if (!MessageTypePattern().IsMatch(messageType))
        {
            throw AgentChannelException.Invalid("message_type",
                "'message_type' must be 1-64 characters: lower-case letters, digits, '_', '.', ':' or '-'.");
        }
        var metadata = Validation.ObjectOrEmpty(draft.Metadata, "metadata", limits.MaxMetadataBytes);
        return new ValidDraft(content, recipients, channel, draft.TaskId, messageType, metadata, role,
            Artifacts.ArtifactIds.ValidIds(draft.Artifacts));
    }

    /// <summary>A capability and how many of its agents a message addressed to it reaches.</summary>
    public sealed record RoleAddress(string Capability, RoleMode Mode);

    /// <summary>
    /// The draft's capability address, checked as an agent's capabilities are (trimmed, compared exactly): null when it
    /// has none. It is one more way to address a message, so it excludes the others (a task_id may still tag it).
    /// </summary>
    private static RoleAddress? Role(MessageDraft draft, bool addressedOtherwise)
    {
        if (draft.ToCapability is null)
        {
            return draft.Mode is null
                ? null
                : throw AgentChannelException.Invalid("mode", "'mode' goes with 'to_capability' only.");
        }
        var capability = Validation.RequireText(draft.ToCapability, "to_capability", AgentGrain.MaxCapabilityChars).Trim();
        if (addressedOtherwise)
        {
            throw AgentChannelException.Invalid("to_capability",
                "A message goes to 'recipients', a 'channel' or a 'to_capability', only one of them.");
        }
        return new RoleAddress(capability, draft.Mode ?? RoleMode.Any);
    }
}
