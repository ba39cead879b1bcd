namespace Orleans.AgentChannel.Storage;

/// <summary>The message log SQL that reads the same on SQLite and PostgreSQL.</summary>
internal static class MessageLogSql
{
    /// <summary>The message columns, in the order each engine's <c>ReadMessage</c> reads them.</summary>
    public const string Columns = "seq, id, sender, channel, task_id, message_type, content, metadata, recipients, created_at, to_capability, role_mode, artifacts";

    /// <summary><see cref="Columns"/> from a table alias.</summary>
    public static string ColumnsOf(string alias) => string.Join(", ", Columns.Split(", ").Select(column => $"{alias}.{column}"));

    /// <summary>Deliveries still owed (their first delivery failed), oldest message first: <c>@after</c>, <c>@before</c>, <c>@limit</c>.</summary>
    public static readonly string Owed =
        $"""
         SELECT o.agent_key, {ColumnsOf("m")}
         FROM owed_deliveries o JOIN messages m ON m.seq = o.message_seq
         WHERE o.message_seq > @after AND m.created_at < @before
         ORDER BY o.message_seq
         LIMIT @limit
         """;
}
