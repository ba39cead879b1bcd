namespace Orleans.AgentChannel.WebFrontend.A2A;

// The records of this folder are the A2A v1.0 data model in its JSON form (ProtoJSON: camelCase, enums as their proto
// names), only the parts this server reads or writes. Field names follow specification/a2a.proto of a2aproject/A2A.
public sealed record AgentCard(
    string Name,
    string Description,
    IReadOnlyList<AgentInterface> SupportedInterfaces,
    string Version,
    string DocumentationUrl,
    AgentCapabilities Capabilities,
    IReadOnlyDictionary<string, SecurityScheme> SecuritySchemes,
    IReadOnlyList<SecurityRequirement> SecurityRequirements,
    IReadOnlyList<string> DefaultInputModes,
    IReadOnlyList<string> DefaultOutputModes,
    IReadOnlyList<AgentSkill> Skills);
