using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>
/// The one mapping from domain errors to RFC 7807 problem details: status, a stable <c>code</c>, and the
/// offending <c>field</c> or the entity's <c>current_version</c> where they apply.
/// </summary>
public sealed class ProblemResponses(IProblemDetailsService problemDetails)
{
    public static int StatusOf(ErrorKind code) => code switch
    {
        ErrorKind.Invalid => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.Rejected => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.LeaseLost => StatusCodes.Status409Conflict,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.IdempotencyMismatch => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The wire code for a status the framework produced on its own.</summary>
    public static string CodeOf(int? status) => status switch
    {
        StatusCodes.Status401Unauthorized => ErrorKind.Unauthorized.ToWire(),
        StatusCodes.Status403Forbidden => ErrorKind.Forbidden.ToWire(),
        StatusCodes.Status404NotFound => ErrorKind.NotFound.ToWire(),
        StatusCodes.Status409Conflict => ErrorKind.Conflict.ToWire(),
        StatusCodes.Status410Gone => ErrorKind.Gone.ToWire(),
        StatusCodes.Status413PayloadTooLarge => ErrorKind.TooLarge.ToWire(),
        StatusCodes.Status422UnprocessableEntity => ErrorKind.Rejected.ToWire(),
        StatusCodes.Status503ServiceUnavailable => ErrorKind.Unavailable.ToWire(),
        >= 400 and < 500 => ErrorKind.Invalid.ToWire(),
        _ => "internal",
    };

    public Task Write(HttpContext context, AgentChannelException error) =>
        Write(context, error.Code, error.Message, error.Field, error.CurrentVersion);

    public async Task Write(HttpContext context, ErrorKind code, string detail, string? field = null, long? currentVersion = null)
    {
        var status = StatusOf(code);
        context.Response.StatusCode = status;
        if (code == ErrorKind.Unavailable)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(AgentChannelException.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        var problem = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrase(code),
            Detail = detail,
            Type = $"https://agentchannel.dev/errors/{code.ToWire()}",
        };
        problem.Extensions["code"] = code.ToWire();
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }
        if (currentVersion is not null)
        {
            problem.Extensions["current_version"] = currentVersion;
        }
        await problemDetails.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private static string ReasonPhrase(ErrorKind code) => code switch
    {
        ErrorKind.Invalid => "Invalid request",
        ErrorKind.Unauthorized => "Unauthorized",
        ErrorKind.Forbidden => "Forbidden",
        ErrorKind.NotFound => "Not found",
        ErrorKind.Conflict => "Conflict",
        ErrorKind.TooLarge => "Too large",
        ErrorKind.Rejected => "Rejected",
        ErrorKind.LeaseLost => "Lease lost",
        ErrorKind.Unavailable => "Unavailable",
        ErrorKind.IdempotencyMismatch => "Idempotency key reused",
        ErrorKind.Gone => "Gone",
        _ => "Error",
    };
}
