-- Orleans reminders of the one-machine silo (SqliteReminderTable): written by the one writer, like every other row.
-- grain_hash is the grain id's uniform hash, by which the reminder service reads its part of the ring.
CREATE TABLE IF NOT EXISTS reminders
(
    grain_id   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    grain_hash INTEGER NOT NULL,
    start_at   INTEGER NOT NULL, -- Unix ms (UTC)
    period_ms  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (grain_id, name)
);

CREATE INDEX IF NOT EXISTS ix_reminders_hash ON reminders (grain_hash);
