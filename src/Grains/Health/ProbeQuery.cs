namespace Orleans.AgentChannel.Health;

/// <summary>The probe query: our message log, the first table of our schema, read without rows.</summary>
internal static class ProbeQuery
{
    public const string Sql = "SELECT 1 FROM messages LIMIT 0";
}
