using System.ComponentModel;
using System.Security.Claims;
using ModelContextProtocol.Server;
using Orleans.AgentChannel.Artifacts;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.WebFrontend.Api;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// Artifacts for MCP agents, as base64 inside the tool call: fine for small files, which is what a tool call should
/// carry (<see cref="MaxBytes"/>); larger ones go over REST (docs/api.md, "Artifacts").
/// </summary>
[McpServerToolType]
public sealed class ArtifactTools(IGrainFactory grains, TimeProvider clock)
{
    /// <summary>The most a tool call carries either way (1 MiB of content, ~1.4 MB of base64).</summary>
    public const int MaxBytes = 1024 * 1024;

    [McpServerTool(Name = "upload_artifact", Title = "Upload an artifact", UseStructuredContent = true, OpenWorld = false)]
    [Description("Stores a small file (at most 1 MiB; larger ones over REST POST /api/artifacts) and returns it with its " +
                 "id, size and SHA-256. Attach it by id to a message (send_message artifacts) or a task result " +
                 "(complete_task artifacts); until then only you and the operator may read it.")]
    public async Task<ArtifactInfo> UploadArtifact(
        [Description("The file name, e.g. 'report.json'.")] string name,
        [Description("The file's bytes, base64-encoded.")] string content_base64,
        [Description("Its media type, e.g. 'application/json', 'image/png' (default application/octet-stream).")] string? content_type = null,
        ClaimsPrincipal? user = null)
    {
        if (content_base64 is null)
        {
            throw AgentChannelException.Invalid("content_base64", "'content_base64' is required.");
        }
        if (content_base64.Length > (MaxBytes + 2) / 3 * 4)
        {
            throw AgentChannelException.TooLarge("content_base64", $"An MCP upload carries at most {MaxBytes} bytes; use POST /api/artifacts for more.");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(content_base64);
        }
        catch (FormatException)
        {
            throw AgentChannelException.Invalid("content_base64", "content_base64 is not valid base64.");
        }
        using var content = new MemoryStream(bytes, writable: false);
        return await ArtifactTransfer.Upload(grains, McpCaller.Of(user), new NewArtifact(name, content_type), content, clock, CancellationToken.None);
    }

    [McpServerTool(Name = "read_artifact", Title = "Read an artifact", UseStructuredContent = true, ReadOnly = true, OpenWorld = false)]
    [Description("Returns an artifact you may read (yours, or attached to a message or task you may read) with its " +
                 "content base64-encoded, if it is at most 1 MiB; larger ones: GET /api/artifacts/{id}/content.")]
    public async Task<ArtifactContent> ReadArtifact(
        [Description("The artifact's id.")] string artifact_id,
        ClaimsPrincipal? user = null)
    {
        var caller = McpCaller.Of(user);
        var grain = grains.GetGrain<IArtifactGrain>(Endpoints.RequireGuid(artifact_id, "artifact"));
        var artifact = await grain.Get(caller);
        if (artifact.Size > MaxBytes)
        {
            return new ArtifactContent(artifact, null);
        }
        using var content = new MemoryStream((int)artifact.Size);
        await ArtifactTransfer.CopyTo(grain, caller, artifact, content, CancellationToken.None);
        return new ArtifactContent(artifact, Convert.ToBase64String(content.GetBuffer(), 0, (int)content.Length));
    }
}
