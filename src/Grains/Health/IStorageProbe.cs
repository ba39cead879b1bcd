namespace Orleans.AgentChannel.Health;

/// <summary>One read over our own tables on the configured storage: proves the connection and that the schema is there.</summary>
public interface IStorageProbe
{
    Task Check();
}
