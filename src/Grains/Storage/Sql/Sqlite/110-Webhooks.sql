-- Webhook subscriptions (query table written by each webhook's grain; the secret signs deliveries) and
-- their delivery log (written by the webhook sink, bounded per webhook).
CREATE TABLE IF NOT EXISTS webhooks
(
    id         TEXT    NOT NULL PRIMARY KEY,
    url        TEXT    NOT NULL,
    events     TEXT    NOT NULL, -- JSON list of filters; [] = every event
    secret     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    webhook_id       TEXT    NOT NULL,
    event_id         TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER NULL,
    last_error       TEXT    NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);
