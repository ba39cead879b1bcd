using Microsoft.Extensions.Options;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// This process must not start, for a reason its operator can act on; the message says which and what to do.
/// The programs print it alone and exit with code 2, as they do for a configuration error.
/// </summary>
public sealed class StartupRefusedException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The message for the operator when a start failed on a refusal or on configuration; null for anything else.</summary>
    public static string? Explain(Exception error) => error switch
    {
        StartupRefusedException or OptionsValidationException => error.Message,
        AggregateException { InnerExceptions.Count: 1 } aggregate => Explain(aggregate.InnerExceptions[0]),
        _ => null,
    };
}
