namespace Orleans.AgentChannel.WebFrontend.A2A;

public static class Roles
{
    public const string User = "ROLE_USER";
    public const string Agent = "ROLE_AGENT";
}
