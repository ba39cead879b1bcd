using System.Text.Json;

namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record SendMessageRequest(A2AMessage? Message, SendMessageConfiguration? Configuration = null, JsonElement? Metadata = null);
