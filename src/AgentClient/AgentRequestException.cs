using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.Client;

/// <summary>
/// A request the cluster refused, with the same code the REST API and the WebSocket give for it. Catch the
/// subclass for one code (<see cref="ConflictException"/>, ...) or this class with a filter on <see cref="Code"/>.
/// A refused request changed nothing.
/// </summary>
public abstract class AgentRequestException : Exception
{
    private protected AgentRequestException(ErrorKind code, string message, string? field, long? currentVersion, Exception? inner)
        : base(message, inner)
    {
        Code = code;
        Field = field;
        CurrentVersion = currentVersion;
    }

    /// <summary>What kind of refusal this is; the server's own code.</summary>
    public ErrorKind Code { get; }

    /// <summary>The code as REST and WebSocket clients see it: "not_found", "conflict", ...</summary>
    public string WireCode => Code.ToWire();

    /// <summary>The request field at fault, when the server names one (e.g. "content", "priority").</summary>
    public string? Field { get; }

    /// <summary>For a memory version conflict: the key's version at that moment (0 when it does not exist).</summary>
    public long? CurrentVersion { get; }

    /// <summary>The exception for a domain error raised by a grain (kept as the inner exception).</summary>
    public static AgentRequestException From(AgentChannelException error) =>
        Create(error.Code, error.Message, error.Field, error.CurrentVersion, error);

    internal static AgentRequestException Create(ErrorKind code, string message, string? field = null, long? currentVersion = null, Exception? inner = null) =>
        code switch
        {
            ErrorKind.Invalid => new InvalidRequestException(message, field, inner),
            ErrorKind.Unauthorized => new UnauthorizedException(message, inner),
            ErrorKind.Forbidden => new ForbiddenException(message, inner),
            ErrorKind.NotFound => new NotFoundException(message, inner),
            ErrorKind.Conflict => new ConflictException(message, currentVersion, inner),
            ErrorKind.TooLarge => new TooLargeException(message, field, inner),
            ErrorKind.Rejected => new RejectedException(message, inner),
            ErrorKind.LeaseLost => new LeaseLostException(message, inner),
            ErrorKind.Unavailable => new UnavailableException(message, inner),
            ErrorKind.IdempotencyMismatch => new IdempotencyMismatchException(message, inner),
            ErrorKind.Gone => new GoneException(message, inner),
            _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
        };
}
