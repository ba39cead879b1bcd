using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Plugins;

namespace Orleans.AgentChannel.Messages;

/// <summary>
/// Runs the message interceptors over a validated draft before it is stored. An interceptor's rejection
/// becomes a <c>rejected</c> error for the sender; an interceptor that fails, times out or returns something
/// the limits would refuse is passed over (the failure is recorded), so the message still flows.
/// </summary>
public sealed class MessageInterception(PluginRuntime plugins, IOptions<LimitsOptions> limits)
{
    internal async Task<MessageRules.ValidDraft> Apply(Caller caller, MessageRules.ValidDraft draft, IReadOnlyList<string> recipients)
    {
        if (plugins.Interceptors.Count == 0)
        {
            return draft;
        }
        var current = new InterceptedMessage(caller.Name, recipients, draft.Channel, draft.TaskId, draft.MessageType,
            draft.Content, JsonNode.Parse(draft.Metadata.Text)!.AsObject());
        foreach (var interceptor in plugins.Interceptors)
        {
            // Each gets its own copy: one that changes the metadata in place and then fails leaves no trace.
            var offered = current with { Metadata = current.Metadata.DeepClone().AsObject() };
            var (succeeded, verdict) = await plugins.Run(interceptor, (instance, token) => instance.InterceptAsync(offered, token));
            if (!succeeded)
            {
                continue;
            }
            if (verdict is { IsRejected: true })
            {
                throw AgentChannelException.Rejected($"Message rejected by {interceptor.Health.Descriptor.Name}: {verdict.Rejection}");
            }
            try
            {
                var message = verdict?.Message ?? throw new InvalidOperationException("The interceptor returned no verdict.");
                current = current with { Content = Checked(message), Metadata = message.Metadata };
            }
            catch (Exception error) when (error is AgentChannelException or InvalidOperationException)
            {
                plugins.Misbehaved(interceptor, error);
            }
        }
        // Metadata nobody changed keeps its exact text; changed metadata keeps non-ASCII characters readable.
        var original = JsonNode.Parse(draft.Metadata.Text);
        var metadata = JsonNode.DeepEquals(original, current.Metadata) ? draft.Metadata : new RawJson(current.Metadata.ToJsonString(Written));
        return draft with { Content = current.Content, Metadata = metadata };
    }

    private static readonly System.Text.Json.JsonSerializerOptions Written = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>What an interceptor returns must still be a message the channel would accept.</summary>
    private string Checked(InterceptedMessage message)
    {
        if (string.IsNullOrEmpty(message.Content))
        {
            throw new InvalidOperationException("The interceptor returned an empty content.");
        }
        Validation.LimitText(message.Content, "content", limits.Value.MaxContentChars);
        Validation.LimitJson(new RawJson((message.Metadata ?? throw new InvalidOperationException("The interceptor returned no metadata.")).ToJsonString(Written)),
            "metadata", limits.Value.MaxMetadataBytes);
        return message.Content;
    }
}
