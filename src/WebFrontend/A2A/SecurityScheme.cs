namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record SecurityScheme(HttpAuthSecurityScheme HttpAuthSecurityScheme);
