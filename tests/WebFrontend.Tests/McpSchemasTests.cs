using System.Text.Json;
using System.Text.Json.Nodes;
using Orleans.AgentChannel.WebFrontend.Mcp;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class McpSchemasTests
{
    [Fact]
    public void Boolean_sub_schemas_become_objects_and_boolean_values_stay_values()
    {
        var schema = JsonSerializer.SerializeToElement(JsonNode.Parse("""
            {
              "type": "object",
              "properties": {
                "metadata": true,
                "never": false,
                "flag": { "type": "boolean", "default": true, "enum": [true, false], "const": true },
                "list": { "type": "array", "items": true },
                "either": { "anyOf": [true, { "type": "string" }] },
                "properties": { "type": "object", "additionalProperties": true }
              },
              "$defs": { "free": true }
            }
            """));

        var normalized = JsonNode.Parse(McpSchemas.WithoutBooleanSchemas(schema).GetRawText())!;

        var properties = normalized["properties"]!;
        properties["metadata"]!.ToJsonString().ShouldBe("{}");
        properties["never"]!.ToJsonString().ShouldBe("""{"not":{}}""");
        properties["flag"]!.ToJsonString().ShouldBe("""{"type":"boolean","default":true,"enum":[true,false],"const":true}""");
        properties["list"]!["items"]!.ToJsonString().ShouldBe("{}");
        properties["either"]!["anyOf"]!.ToJsonString().ShouldBe("""[{},{"type":"string"}]""");
        properties["properties"]!["additionalProperties"]!.ToJsonString().ShouldBe("{}");
        normalized["$defs"]!["free"]!.ToJsonString().ShouldBe("{}");
        normalized["type"]!.GetValue<string>().ShouldBe("object");
    }
}
