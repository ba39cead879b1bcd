using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Server;

namespace Orleans.AgentChannel.WebFrontend.Mcp;

/// <summary>
/// Tool schemas in the form every MCP client reads. The SDK writes "any JSON" (metadata, requirements, results,
/// memory values) as the boolean schema <c>true</c>: valid JSON Schema, but the official TypeScript SDK, which
/// most MCP hosts run, rejects a whole tool list that holds one. So each boolean sub-schema becomes its object
/// form: <c>true</c> → <c>{}</c>, <c>false</c> → <c>{"not": {}}</c>.
/// </summary>
public static class McpSchemas
{
    private static readonly HashSet<string> SubSchemaKeywords =
    [
        "items", "additionalItems", "additionalProperties", "unevaluatedItems", "unevaluatedProperties", "contains",
        "propertyNames", "not", "if", "then", "else",
    ];

    private static readonly HashSet<string> SchemaMapKeywords = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

    private static readonly HashSet<string> SchemaListKeywords = ["allOf", "anyOf", "oneOf", "prefixItems"];

    public static void NormalizeAll(IEnumerable<McpServerTool> tools)
    {
        foreach (var tool in tools)
        {
            tool.ProtocolTool.InputSchema = WithoutBooleanSchemas(tool.ProtocolTool.InputSchema);
            if (tool.ProtocolTool.OutputSchema is { } output)
            {
                tool.ProtocolTool.OutputSchema = WithoutBooleanSchemas(output);
            }
        }
    }

    public static JsonElement WithoutBooleanSchemas(JsonElement schema) =>
        JsonSerializer.SerializeToElement(Normalize(JsonNode.Parse(schema.GetRawText())));

    // Builds a new tree: a node that still has a parent cannot be put into another.
    private static JsonNode? Normalize(JsonNode? schema) => schema switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.True => new JsonObject(),
        JsonValue value when value.GetValueKind() == JsonValueKind.False => new JsonObject { ["not"] = new JsonObject() },
        JsonObject keywords => new JsonObject(keywords.Select(k => KeyValuePair.Create(k.Key, NormalizeKeyword(k.Key, k.Value)))),
        _ => schema?.DeepClone(),
    };

    /// <summary>Only where a keyword holds schemas: <c>"default": true</c> or <c>"enum": [true]</c> are values, not schemas.</summary>
    private static JsonNode? NormalizeKeyword(string keyword, JsonNode? value) => value switch
    {
        _ when SubSchemaKeywords.Contains(keyword) => Normalize(value),
        JsonObject map when SchemaMapKeywords.Contains(keyword) =>
            new JsonObject(map.Select(entry => KeyValuePair.Create(entry.Key, Normalize(entry.Value)))),
        JsonArray list when SchemaListKeywords.Contains(keyword) => new JsonArray([.. list.Select(Normalize)]),
        _ => value?.DeepClone(),
    };
}
