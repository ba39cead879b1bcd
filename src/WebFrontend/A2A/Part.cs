using System.Text.Json;

namespace Orleans.AgentChannel.WebFrontend.A2A;

/// <summary>A part holds one of text, data (any JSON), url or raw (bytes, base64).</summary>
public sealed record Part(
    string? Text = null,
    JsonElement? Data = null,
    string? Url = null,
    string? Raw = null,
    string? MediaType = null,
    string? Filename = null);
