using System.Text;
using Orleans.AgentChannel.Artifacts;
using Orleans.AgentChannel.Identity;
using Orleans.AgentChannel.WebFrontend.Components.Shared;

namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>
/// Artifacts as the operator sees them: their records, and a preview read from their first bytes only (text and JSON
/// up to <see cref="MaxTextBytes"/>, images up to <see cref="MaxImageBytes"/>), so a large file never enters the circuit.
/// </summary>
public sealed class ArtifactOperations(IGrainFactory grains)
{
    public const int MaxTextBytes = 64 * 1024;
    public const int MaxImageBytes = 2 * 1024 * 1024;

    // Raster images only: an SVG is a document that may run script, and is offered as a download instead.
    private static readonly HashSet<string> PreviewedImages = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
    };

    /// <summary>The artifact, or null when it no longer exists (deleted, or past its retention).</summary>
    public async Task<ArtifactInfo?> Find(Guid id)
    {
        try
        {
            return await grains.GetGrain<IArtifactGrain>(id).Get(Caller.Operator);
        }
        catch (Errors.AgentChannelException error) when (error.Code == Errors.ErrorKind.NotFound)
        {
            return null;
        }
    }

    public async Task<ArtifactPreview> Preview(ArtifactInfo artifact)
    {
        var mediaType = artifact.ContentType.Split(';')[0].Trim();
        if (PreviewedImages.Contains(mediaType))
        {
            return artifact.Size > MaxImageBytes
                ? ArtifactPreview.None($"Images over {MaxImageBytes / (1024 * 1024)} MB are not previewed.")
                : ArtifactPreview.Image($"data:{mediaType};base64,{Convert.ToBase64String(await Read(artifact, (int)artifact.Size))}");
        }
        var isJson = mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            return ArtifactPreview.None("No preview for this type; download it.");
        }
        var bytes = await Read(artifact, MaxTextBytes);
        var truncated = artifact.Size > bytes.Length;
        var text = Encoding.UTF8.GetString(bytes);
        if (isJson && !truncated)
        {
            try
            {
                return ArtifactPreview.Text(JsonText.Pretty(text), isJson: true, truncated: false);
            }
            catch (System.Text.Json.JsonException)
            {
                // Shown as it is.
            }
        }
        return ArtifactPreview.Text(text, isJson, truncated);
    }

    /// <summary>The first <paramref name="limit"/> bytes (or all, if fewer), chunk by chunk.</summary>
    private async Task<byte[]> Read(ArtifactInfo artifact, int limit)
    {
        var grain = grains.GetGrain<IArtifactGrain>(artifact.Id);
        using var buffer = new MemoryStream((int)Math.Min(limit, artifact.Size));
        for (var index = 0; index < artifact.Chunks && buffer.Length < limit; index++)
        {
            var chunk = await grain.ReadChunk(Caller.Operator, index);
            buffer.Write(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length));
        }
        return buffer.ToArray();
    }
}
