using System.Text.Json;
using Orleans.AgentChannel.Errors;
using Orleans.AgentChannel.Json;

namespace Orleans.AgentChannel.Tasks;

/// <summary>The part of a task's free-form requirements the engine understands: <c>capabilities</c>.</summary>
public static class TaskRequirements
{
    /// <summary>The required capabilities, sorted and distinct; a 400 naming the field when not a list of strings.</summary>
    public static IReadOnlyList<string> Capabilities(RawJson requirements)
    {
        using var document = JsonDocument.Parse(requirements.Text);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("capabilities", out var capabilities)
            || capabilities.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (capabilities.ValueKind != JsonValueKind.Array
            || capabilities.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString())))
        {
            throw AgentChannelException.Invalid("requirements.capabilities", "'requirements.capabilities' must be a list of capability names.");
        }
        return capabilities.EnumerateArray().Select(item => item.GetString()!.Trim())
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public static bool IsCapable(IReadOnlyList<string> required, IReadOnlyList<string> agentCapabilities) =>
        required.All(capability => agentCapabilities.Contains(capability, StringComparer.Ordinal));

    /// <summary>The engine queue for tasks needing exactly these capabilities.</summary>
    public static string PoolKey(IReadOnlyList<string> required) => JsonSerializer.Serialize(required);

    public static IReadOnlyList<string> FromPoolKey(string key) => JsonSerializer.Deserialize<string[]>(key) ?? [];
}
