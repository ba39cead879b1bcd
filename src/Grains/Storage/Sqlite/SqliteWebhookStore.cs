using System.Text.Json;
using Microsoft.Data.Sqlite;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Webhooks;

namespace Orleans.AgentChannel.Storage.Sqlite;

public sealed class SqliteWebhookStore(SqliteDatabase database, SqliteWriteQueue writes) : IWebhookStore
{
    public Task<long> Save(WebhookTarget webhook, GrainStateWrite state) => writes.Enqueue(transaction =>
    {
        var version = transaction.SaveGrainState(state);
        var upsert = transaction.Statement(
            """
            INSERT INTO webhooks (id, url, events, secret, created_by, created_at)
            VALUES (@id, @url, @events, @secret, @created_by, @created_at)
            ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, secret = excluded.secret
            """,
            ("@id", webhook.Info.Id.ToString()), ("@url", webhook.Info.Url), ("@events", JsonSerializer.Serialize(webhook.Info.Events)),
            ("@secret", webhook.Secret), ("@created_by", webhook.Info.CreatedBy), ("@created_at", webhook.Info.CreatedAt.ToUnixTimeMilliseconds()));
        upsert.ExecuteNonQuery();
        return version;
    });

    public Task<long> Delete(Guid id, GrainStateWrite state) => writes.Enqueue(transaction =>
    {
        var version = transaction.SaveGrainState(state);
        var deliveries = transaction.Statement("DELETE FROM webhook_deliveries WHERE webhook_id = @id", ("@id", id.ToString()));
        deliveries.ExecuteNonQuery();
        var webhook = transaction.Statement("DELETE FROM webhooks WHERE id = @id", ("@id", id.ToString()));
        webhook.ExecuteNonQuery();
        return version;
    });

    public Task<IReadOnlyList<WebhookTarget>> List() => database.Read<IReadOnlyList<WebhookTarget>>(connection =>
    {
        using var command = connection.Command("SELECT id, url, events, secret, created_by, created_at FROM webhooks ORDER BY created_at, id");
        using var reader = command.ExecuteReader();
        var webhooks = new List<WebhookTarget>();
        while (reader.Read())
        {
            webhooks.Add(new WebhookTarget(
                new WebhookInfo(Guid.Parse(reader.GetString(0)), reader.GetString(1),
                    JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))),
                reader.GetString(3)));
        }
        return webhooks;
    });

    public Task RecordDelivery(WebhookDelivery delivery, int keepPerWebhook) => writes.Enqueue(transaction =>
    {
        // Only for a webhook that still exists: a sender finishing after a delete leaves no orphan rows.
        var upsert = transaction.Statement(
            """
            INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, status, attempts, last_status_code, last_error, created_at, updated_at)
            SELECT @id, @webhook_id, @event_id, @event, @status, @attempts, @last_status_code, @last_error, @created_at, @updated_at
            WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = @webhook_id)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                last_status_code = excluded.last_status_code, last_error = excluded.last_error, updated_at = excluded.updated_at
            """,
            ("@id", delivery.Id.ToString()), ("@webhook_id", delivery.WebhookId.ToString()), ("@event_id", delivery.EventId.ToString()),
            ("@event", delivery.Event), ("@status", AgentChannelJson.WireName(delivery.Status)), ("@attempts", delivery.Attempts),
            ("@last_status_code", delivery.LastStatusCode), ("@last_error", delivery.LastError),
            ("@created_at", delivery.CreatedAt.ToUnixTimeMilliseconds()), ("@updated_at", delivery.UpdatedAt.ToUnixTimeMilliseconds()));
        if (upsert.ExecuteNonQuery() > 0 && delivery.Attempts == 0)
        {
            Prune(transaction, delivery.WebhookId, keepPerWebhook);
        }
    });

    public Task<IReadOnlyList<WebhookDelivery>> Deliveries(Guid webhookId, int limit) => database.Read<IReadOnlyList<WebhookDelivery>>(connection =>
    {
        using var command = connection.Command(
            """
            SELECT id, webhook_id, event_id, event, status, attempts, last_status_code, last_error, created_at, updated_at
            FROM webhook_deliveries WHERE webhook_id = @webhook_id ORDER BY seq DESC LIMIT @limit
            """,
            ("@webhook_id", webhookId.ToString()), ("@limit", limit));
        using var reader = command.ExecuteReader();
        var deliveries = new List<WebhookDelivery>();
        while (reader.Read())
        {
            deliveries.Add(new WebhookDelivery(
                Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)), Guid.Parse(reader.GetString(2)), reader.GetString(3),
                AgentChannelJson.ParseWireName<WebhookDeliveryStatus>(reader.GetString(4), "status")!.Value, reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }
        return deliveries;
    });

    /// <summary>Keeps the newest rows of one webhook's log, on each new delivery.</summary>
    private static void Prune(SqliteTransaction transaction, Guid webhookId, int keep)
    {
        var prune = transaction.Statement(
            """
            DELETE FROM webhook_deliveries WHERE webhook_id = @webhook_id AND seq <=
                (SELECT seq FROM webhook_deliveries WHERE webhook_id = @webhook_id ORDER BY seq DESC LIMIT 1 OFFSET @keep)
            """,
            ("@webhook_id", webhookId.ToString()), ("@keep", keep));
        prune.ExecuteNonQuery();
    }
}
