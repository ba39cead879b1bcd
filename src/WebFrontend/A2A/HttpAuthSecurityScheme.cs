namespace Orleans.AgentChannel.WebFrontend.A2A;

public sealed record HttpAuthSecurityScheme(string Scheme, string BearerFormat, string Description);
