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

/// <summary><c>invalid</c> (HTTP 400): missing, malformed or out-of-range input; <see cref="AgentRequestException.Field"/> names it.</summary>
public sealed class InvalidRequestException(string message, string? field = null, Exception? inner = null)
    : AgentRequestException(ErrorKind.Invalid, message, field, null, inner);

/// <summary><c>unauthorized</c> (HTTP 401): the token is unknown or belongs to no agent.</summary>
public sealed class UnauthorizedException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Unauthorized, message, null, null, inner);

/// <summary><c>forbidden</c> (HTTP 403): this agent may not do this (e.g. complete another agent's task).</summary>
public sealed class ForbiddenException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Forbidden, message, null, null, inner);

/// <summary><c>not_found</c> (HTTP 404): no such agent, message, task, memory key or channel.</summary>
public sealed class NotFoundException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.NotFound, message, null, null, inner);

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

/// <summary>
/// <c>lease_lost</c> (HTTP 409): the update or completion named an assignment of the task that is over (its lease
/// expired, it was taken back, handed to another agent or the task closed). Nothing changed; stop working on the task.
/// </summary>
public sealed class LeaseLostException(string message, Exception? inner = null)
    : ConflictException(ErrorKind.LeaseLost, message, "assignment_id", inner);

/// <summary><c>too_large</c> (HTTP 413): a field is over its limit; <see cref="AgentRequestException.Field"/> names it.</summary>
public sealed class TooLargeException(string message, string? field = null, Exception? inner = null)
    : AgentRequestException(ErrorKind.TooLarge, message, field, null, inner);

/// <summary><c>rejected</c> (HTTP 422): a server plugin refused the message (the reason is in the message); it was neither stored nor delivered.</summary>
public sealed class RejectedException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Rejected, message, null, null, inner);

/// <summary>
/// <c>unavailable</c> (HTTP 503): the cluster could not serve the call just now (a silo died under it, storage was
/// busy); retry after <see cref="AgentChannelException.RetryAfter"/>. A write that was in flight may have taken effect.
/// </summary>
public sealed class UnavailableException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Unavailable, message, null, null, inner);

/// <summary>
/// <c>idempotency_mismatch</c> (HTTP 422): the idempotency key was used before for another request. The client makes a
/// new key for every call, so this means a key reused by hand (REST, WebSocket) or a bug: nothing changed.
/// </summary>
public sealed class IdempotencyMismatchException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.IdempotencyMismatch, message, Idempotency.IdempotencyKey.Field, null, inner);

/// <summary>
/// <c>gone</c> (HTTP 410): the agent the call named (a recipient, an assignee, this client's own agent) was retired.
/// Its history stays; only the operator can register its name again.
/// </summary>
public sealed class GoneException(string message, Exception? inner = null)
    : AgentRequestException(ErrorKind.Gone, message, null, null, inner);

/// <summary>
/// A write the client could not get an answer to: every attempt (<see cref="Attempts"/>, all with the same
/// <see cref="IdempotencyKey"/>) met a lost connection, an unavailable silo or a timeout. The write may have been stored
/// by one of them, and at most once: read it back (a task's or message's id is
/// <see cref="Idempotency.IdempotencyKey.DerivedId"/> of this key) before deciding to do it again.
/// </summary>
public sealed class WriteNotConfirmedException(string operation, string idempotencyKey, int attempts, Exception inner)
    : Exception($"{operation} got no answer after {attempts} attempts with idempotency key '{idempotencyKey}' " +
                $"(last: {inner.GetType().Name}: {inner.Message}). It may have been stored once; read it back before doing it again.", inner)
{
    public string Operation { get; } = operation;

    public string IdempotencyKey { get; } = idempotencyKey;

    public int Attempts { get; } = attempts;
}
