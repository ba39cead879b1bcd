namespace Orleans.AgentChannel.WebFrontend.Components.Services;

/// <summary>What the console shows of an artifact: text (JSON pretty-printed), an image as a data URI, or a note why not.</summary>
public sealed record ArtifactPreview(string? TextContent, string? ImageSource, bool IsJson, bool Truncated, string? Note)
{
    public static ArtifactPreview Text(string text, bool isJson, bool truncated) => new(text, null, isJson, truncated, null);

    public static ArtifactPreview Image(string source) => new(null, source, false, false, null);

    public static ArtifactPreview None(string note) => new(null, null, false, false, note);
}
