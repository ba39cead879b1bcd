namespace Orleans.AgentChannel.Errors;

public static class ErrorKinds
{
    public static string ToWire(this ErrorKind code) => code switch
    {
        ErrorKind.Invalid => "invalid",
        ErrorKind.Unauthorized => "unauthorized",
        ErrorKind.Forbidden => "forbidden",
        ErrorKind.NotFound => "not_found",
        ErrorKind.Conflict => "conflict",
        ErrorKind.TooLarge => "too_large",
        ErrorKind.Rejected => "rejected",
        ErrorKind.LeaseLost => "lease_lost",
        ErrorKind.Unavailable => "unavailable",
        ErrorKind.IdempotencyMismatch => "idempotency_mismatch",
        ErrorKind.Gone => "gone",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };
}
