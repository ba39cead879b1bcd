using System.Text.Json;
using NpgsqlTypes;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.Storage.Postgres;

public sealed class PostgresWebhookStore(PostgresDatabase database) : IWebhookStore
{
    public Task<long> Save(WebhookTarget webhook, GrainStateWrite state) => database.Write(transaction => transaction.SaveGrainState(state,
        PostgresGrainStateCommands.Statement(
            """
            INSERT INTO webhooks (id, url, events, secret, created_by, created_at)
            VALUES (@id, @url, @events, @secret, @created_by, @created_at)
            ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, secret = excluded.secret
            """,
            ("id", webhook.Info.Id), ("url", webhook.Info.Url), ("events", JsonSerializer.Serialize(webhook.Info.Events)),
            ("secret", webhook.Secret), ("created_by", webhook.Info.CreatedBy), ("created_at", webhook.Info.CreatedAt.ToUnixTimeMilliseconds()))));

    public Task<long> Delete(Guid id, GrainStateWrite state) => database.Write(transaction => transaction.SaveGrainState(state,
        PostgresGrainStateCommands.Statement("DELETE FROM webhook_deliveries WHERE webhook_id = @id", ("id", id)),
        PostgresGrainStateCommands.Statement("DELETE FROM webhooks WHERE id = @id", ("id", id))));

    public Task<IReadOnlyList<WebhookTarget>> List() => database.Read<IReadOnlyList<WebhookTarget>>(async connection =>
    {
        await using var command = connection.Command("SELECT id, url, events, secret, created_by, created_at FROM webhooks ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync();
        var webhooks = new List<WebhookTarget>();
        while (await reader.ReadAsync())
        {
            webhooks.Add(new WebhookTarget(
                new WebhookInfo(reader.GetGuid(0), reader.GetString(1),
                    JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))),
                reader.GetString(3)));
        }
        return webhooks;
    });

    public Task RecordDelivery(WebhookDelivery delivery, int keepPerWebhook) => database.Write(async transaction =>
    {
        // Only for a webhook that still exists: a sender finishing after a delete leaves no orphan rows.
        await using var upsert = transaction.Command(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, status, attempts, last_status_code, last_error, created_at, updated_at)
            SELECT @id, @webhook_id, @event_id, @event, @status, @attempts, @last_status_code, @last_error, @created_at, @updated_at
            WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = @webhook_id)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                last_status_code = excluded.last_status_code, last_error = excluded.last_error, updated_at = excluded.updated_at
            """,
            ("id", delivery.Id), ("webhook_id", delivery.WebhookId), ("event_id", delivery.EventId),
            ("event", delivery.Event), ("status", AgentChannelJson.WireName(delivery.Status)), ("attempts", delivery.Attempts),
            ("last_status_code", delivery.LastStatusCode), ("last_error", delivery.LastError),
            ("created_at", delivery.CreatedAt.ToUnixTimeMilliseconds()), ("updated_at", delivery.UpdatedAt.ToUnixTimeMilliseconds()));
        upsert.Parameters["last_status_code"].NpgsqlDbType = NpgsqlDbType.Integer;
        upsert.Parameters["last_error"].NpgsqlDbType = NpgsqlDbType.Text;
        if (await upsert.ExecuteNonQueryAsync() > 0 && delivery.Attempts == 0)
        {
            // Keeps the newest rows of one webhook's log, on each new delivery.
            await using var prune = transaction.Command(
                """
                DELETE FROM webhook_deliveries WHERE webhook_id = @webhook_id AND seq <=
                    (SELECT seq FROM webhook_deliveries WHERE webhook_id = @webhook_id ORDER BY seq DESC LIMIT 1 OFFSET @keep)
                """,
                ("webhook_id", delivery.WebhookId), ("keep", keepPerWebhook));
            await prune.ExecuteNonQueryAsync();
        }
    });

    public Task<IReadOnlyList<WebhookDelivery>> Deliveries(Guid webhookId, int limit) => database.Read<IReadOnlyList<WebhookDelivery>>(async connection =>
    {
        await using var command = connection.Command(
            """
            SELECT id, webhook_id, event_id, event, status, attempts, last_status_code, last_error, created_at, updated_at
            FROM webhook_deliveries WHERE webhook_id = @webhook_id ORDER BY seq DESC LIMIT @limit
            """,
            ("webhook_id", webhookId), ("limit", limit));
        await using var reader = await command.ExecuteReaderAsync();
        var deliveries = new List<WebhookDelivery>();
        while (await reader.ReadAsync())
        {
            deliveries.Add(new WebhookDelivery(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3),
                AgentChannelJson.ParseWireName<WebhookDeliveryStatus>(reader.GetString(4), "status")!.Value, reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        return deliveries;
    });
}
