namespace Orleans.AgentChannel.Errors;

/// <summary>
/// Calling this grain method twice has the same effect as calling it once (a read, or a write that sets what it
/// sets): a front door may repeat it, within a bound, when the cluster could not serve it (a silo died under
/// the call), instead of answering <see cref="ErrorKind.Unavailable"/> at once.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RetrySafeAttribute : Attribute;
