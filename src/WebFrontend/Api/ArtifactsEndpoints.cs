using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Orleans.AgentChannel.Artifacts;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Hosting;

namespace Orleans.AgentChannel.WebFrontend.Api;

/// <summary>Artifacts over REST (docs/api.md, "Artifacts"): upload streamed in, download streamed out.</summary>
public static class ArtifactsEndpoints
{
    /// <summary>Room for a multipart body's boundaries and part headers on top of the file itself.</summary>
    private const long MultipartOverhead = 64 * 1024;

    public static void MapArtifacts(this RouteGroupBuilder api)
    {
        var artifacts = api.MapGroup("/artifacts").WithTags("artifacts");

        artifacts.MapPost("/", async (string? name, HttpContext context, IGrainFactory grains, IOptions<ArtifactOptions> options, TimeProvider clock) =>
        {
            var request = context.Request;
            var multipart = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
                            && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
            var limit = options.Value.MaxBytes + (multipart ? MultipartOverhead : 0);
            if (request.ContentLength > limit)
            {
                // Refused before a byte is read: the declared length says it all.
                throw AgentChannelException.TooLarge("content", $"An artifact may hold at most {options.Value.MaxBytes} bytes.");
            }
            // Kestrel's own limit follows the setting, so a body without a length is cut off at it too.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            {
                bodyLimit.MaxRequestBodySize = limit;
            }
            var caller = context.User.Caller();
            ArtifactInfo stored;
            if (multipart)
            {
                var boundary = HeaderUtilities.RemoveQuotes(mediaType!.Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    throw AgentChannelException.Invalid("content_type", "A multipart body needs a boundary.");
                }
                var reader = new MultipartReader(boundary, request.Body);
                MultipartSection? section;
                ContentDispositionHeaderValue? file = null;
                try
                {
                    while ((section = await reader.ReadNextSectionAsync(context.RequestAborted)) is not null)
                    {
                        if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out file) && file.IsFileDisposition())
                        {
                            break;
                        }
                    }
                }
                catch (Exception error) when (IsMalformedMultipart(error))
                {
                    throw AgentChannelException.Invalid("content", $"The multipart body is malformed: {error.Message}");
                }
                if (section is null || file is null)
                {
                    throw AgentChannelException.Invalid("file", "The multipart body holds no file part.");
                }
                // filename* (RFC 5987, any characters) over the plain filename.
                var fileName = Endpoints.NullIfEmpty(name)
                               ?? HeaderUtilities.RemoveQuotes(file.FileNameStar.HasValue ? file.FileNameStar : file.FileName).Value ?? "";
                try
                {
                    stored = await ArtifactTransfer.Upload(grains, caller, new NewArtifact(fileName, section.ContentType), section.Body, clock, context.RequestAborted);
                }
                catch (Exception error) when (IsMalformedMultipart(error))
                {
                    throw AgentChannelException.Invalid("content", $"The multipart body is malformed: {error.Message}");
                }
            }
            else
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw AgentChannelException.Invalid("name", "A raw upload names its file: POST /api/artifacts?name=report.pdf.");
                }
                stored = await ArtifactTransfer.Upload(grains, caller, new NewArtifact(name, request.ContentType), request.Body, clock, context.RequestAborted);
            }
            return Results.Created($"/api/artifacts/{stored.Id}", stored);
        }).Produces<ArtifactInfo>(StatusCodes.Status201Created);

        artifacts.MapGet("/{id}", (string id, HttpContext context, IGrainFactory grains) =>
            grains.GetGrain<IArtifactGrain>(Endpoints.RequireGuid(id, "artifact")).Get(context.User.Caller()));

        artifacts.MapGet("/{id}/content", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            var caller = context.User.Caller();
            var grain = grains.GetGrain<IArtifactGrain>(Endpoints.RequireGuid(id, "artifact"));
            var artifact = await grain.Get(caller);
            WriteHeaders(context.Response, artifact);
            await ArtifactTransfer.CopyTo(grain, caller, artifact, context.Response.Body, context.RequestAborted);
        }).Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");

        artifacts.MapDelete("/{id}", async (string id, HttpContext context, IGrainFactory grains) =>
        {
            await grains.GetGrain<IArtifactGrain>(Endpoints.RequireGuid(id, "artifact")).Delete(context.User.Caller());
            return Results.NoContent();
        });
    }

    /// <summary>A download's headers: its type, length and name, its digest, and what keeps uploaded bytes inert in a browser.</summary>
    internal static void WriteHeaders(HttpResponse response, ArtifactInfo artifact)
    {
        response.ContentType = artifact.ContentType;
        response.ContentLength = artifact.Size;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(artifact.Name);
        response.Headers.ContentDisposition = disposition.ToString();
        // Uploaded bytes never run as a page of this origin, whatever their type says.
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox";
        response.Headers.ETag = $"\"{artifact.Sha256}\"";
        response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(artifact.Sha256))}:";
    }

    /// <summary>
    /// What the multipart reader throws for a body that breaks the format (no closing boundary, a header line too
    /// long); Kestrel's own refusals (a body over the limit) are IOExceptions too, and keep their status.
    /// </summary>
    private static bool IsMalformedMultipart(Exception error) =>
        error is IOException or InvalidDataException && error is not BadHttpRequestException;
}
