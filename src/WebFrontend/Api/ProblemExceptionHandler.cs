using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Orleans.AgentChannel.Errors;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>Turns exceptions that escape an endpoint into problem details; bad input never becomes a 500.</summary>
public sealed class ProblemExceptionHandler(ProblemResponses problems, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case var _ when TransientFaults.DomainErrorOf(exception) is { } error:
                await problems.Write(httpContext, error);
                return true;
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                await problems.Write(httpContext, ErrorKind.TooLarge, "The request body is too large.");
                return true;
            case BadHttpRequestException { InnerException: JsonException unbound }:
                // The handler runs with the endpoint cleared; the feature keeps the one that failed.
                await problems.Write(httpContext, JsonBodyErrors.Invalid(unbound,
                    httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType,
                    json.Value.SerializerOptions));
                return true;
            case BadHttpRequestException unparsed when JsonBodyErrors.UnboundParameter(unparsed,
                    httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint) is { } named:
                await problems.Write(httpContext, named);
                return true;
            case BadHttpRequestException bad:
                await problems.Write(httpContext, ErrorKind.Invalid, bad.Message);
                return true;
            default:
                return false;
        }
    }

    public static bool IsClientError(Exception exception) => exception is AgentChannelException or BadHttpRequestException;
}
