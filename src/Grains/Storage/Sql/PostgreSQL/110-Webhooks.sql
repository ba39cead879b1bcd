-- Webhook subscriptions (query table written by each webhook's grain; the secret signs deliveries) and
-- their delivery log (written by the webhook sink, bounded per webhook). Same shape as Sqlite/110-Webhooks.sql.
CREATE TABLE IF NOT EXISTS webhooks
(
    id         uuid   NOT NULL PRIMARY KEY,
    url        text   NOT NULL,
    events     text   NOT NULL, -- JSON list of filters; [] = every event
    secret     text   NOT NULL,
    created_by text   NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    seq              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               uuid    NOT NULL UNIQUE,
    webhook_id       uuid    NOT NULL,
    event_id         uuid    NOT NULL,
    event            text    NOT NULL,
    status           text    NOT NULL,
    attempts         integer NOT NULL,
    last_status_code integer NULL,
    last_error       text    NULL,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, seq);
