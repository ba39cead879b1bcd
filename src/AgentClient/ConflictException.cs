using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// <c>conflict</c> (HTTP 409): name taken, illegal status move, closed task, stale memory version. Also the base of
/// <see cref="LeaseLostException"/>, so catching this catches a lost lease too.
/// </summary>
public class ConflictException : AgentRequestException
{
    public ConflictException(string message, long? currentVersion = null, Exception? inner = null)
        : base(ErrorKind.Conflict, message, null, currentVersion, inner)
    {
    }

    private protected ConflictException(ErrorKind code, string message, string? field, Exception? inner)
        : base(code, message, field, null, inner)
    {
    }
}
