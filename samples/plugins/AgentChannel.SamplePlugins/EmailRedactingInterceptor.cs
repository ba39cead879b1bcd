using System.Text.RegularExpressions;
using Orleans.AgentChannel.Plugins;

namespace AgentChannel.SamplePlugins;

/// <summary>
/// Replaces e-mail addresses in every message with <c>[email redacted]</c> before it is stored, and records how
/// many it replaced in the metadata (<c>redacted_emails</c>).
/// </summary>
public sealed partial class EmailRedactingInterceptor : IMessageInterceptor
{
    public const string Replacement = "[email redacted]";

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EmailAddress();

    public ValueTask<MessageVerdict> InterceptAsync(InterceptedMessage message, CancellationToken cancellationToken)
    {
        var count = 0;
        var content = EmailAddress().Replace(message.Content, _ =>
        {
            count++;
            return Replacement;
        });
        if (count == 0)
        {
            return ValueTask.FromResult(MessageVerdict.Accept(message));
        }
        message.Metadata["redacted_emails"] = count;
        return ValueTask.FromResult(MessageVerdict.Accept(message with { Content = content }));
    }
}
