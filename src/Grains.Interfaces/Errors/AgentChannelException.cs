namespace Orleans.AgentChannel.Errors;

/// <summary>
/// A domain error raised by a grain: bad input, a missing entity, a refused action or a conflict.
/// It crosses grain and process boundaries unchanged and is mapped once to HTTP and WebSocket errors.
/// </summary>
[GenerateSerializer, Alias("agentchannel.error")]
public sealed class AgentChannelException : Exception
{
    public AgentChannelException(ErrorKind code, string message, string? field = null, long? currentVersion = null)
        : base(message)
    {
        Code = code;
        Field = field;
        CurrentVersion = currentVersion;
    }

    /// <summary>What kind of failure this is.</summary>
    [Id(0)] public ErrorKind Code { get; }

    /// <summary>The request field at fault, for <see cref="ErrorKind.Invalid"/>, <see cref="ErrorKind.TooLarge"/> and <see cref="ErrorKind.LeaseLost"/>.</summary>
    [Id(1)] public string? Field { get; }

    /// <summary>For version conflicts: the version the entity has now.</summary>
    [Id(2)] public long? CurrentVersion { get; }

    public static AgentChannelException Invalid(string field, string message) => new(ErrorKind.Invalid, message, field);

    public static AgentChannelException TooLarge(string field, string message) => new(ErrorKind.TooLarge, message, field);

    public static AgentChannelException NotFound(string message) => new(ErrorKind.NotFound, message);

    public static AgentChannelException Conflict(string message, long? currentVersion = null) =>
        new(ErrorKind.Conflict, message, currentVersion: currentVersion);

    public static AgentChannelException Unauthorized(string message) => new(ErrorKind.Unauthorized, message);

    public static AgentChannelException Forbidden(string message) => new(ErrorKind.Forbidden, message);

    public static AgentChannelException Rejected(string message) => new(ErrorKind.Rejected, message);

    /// <summary>The assignment named by <c>assignment_id</c> is not the task's current one.</summary>
    public static AgentChannelException LeaseLost(string message) => new(ErrorKind.LeaseLost, message, "assignment_id");

    /// <summary>How long a client is asked to wait before retrying an <see cref="ErrorKind.Unavailable"/> call.</summary>
    public static TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);

    public static AgentChannelException Unavailable(string message) => new(ErrorKind.Unavailable, message);

    /// <summary>The named agent was retired.</summary>
    public static AgentChannelException Gone(string message) => new(ErrorKind.Gone, message);

    /// <summary>The caller used this idempotency key for another request.</summary>
    public static AgentChannelException IdempotencyMismatch(string key) => new(ErrorKind.IdempotencyMismatch,
        $"Idempotency key '{key}' was already used for another request: a key names one request; use a new key for a new one.",
        Idempotency.IdempotencyKey.Field);
}
