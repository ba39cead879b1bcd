-- The message log and the query tables. Grains write them (through the group-commit writer) before
-- their calls return; list endpoints read them. Times are Unix milliseconds (UTC).

-- Append-only: rows are inserted, never updated or deleted. seq is the log position and the cursor.
CREATE TABLE IF NOT EXISTS messages
(
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    sender       TEXT    NOT NULL,
    channel      TEXT    NULL,
    channel_seq  INTEGER NULL,
    task_id      TEXT    NULL,
    message_type TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    metadata     TEXT    NOT NULL,
    recipients   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_messages_sender ON messages (sender COLLATE NOCASE, seq);
CREATE INDEX IF NOT EXISTS ix_messages_channel ON messages (channel, seq) WHERE channel IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_messages_task ON messages (task_id, seq) WHERE task_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_messages_created ON messages (created_at);

-- One row per (direct or task-thread) recipient, so "messages to X" is an index range.
CREATE TABLE IF NOT EXISTS message_recipients
(
    recipient TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (recipient, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS agents
(
    name_key   TEXT    NOT NULL PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    document   TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS agent_capabilities
(
    capability TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    PRIMARY KEY (capability, name_key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS tasks
(
    row_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    status     TEXT    NOT NULL,
    priority   INTEGER NOT NULL,
    creator    TEXT    NOT NULL,
    assignee   TEXT    NULL,
    created_at INTEGER NOT NULL,
    document   TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_tasks_status ON tasks (status, row_id);
CREATE INDEX IF NOT EXISTS ix_tasks_assignee ON tasks (assignee, status) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_tasks_creator ON tasks (creator, row_id);

CREATE TABLE IF NOT EXISTS memory_keys
(
    key        TEXT    NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    -- '|name|name|' lists of lower-cased readers ('|*|' for everyone), matched with instr() (never LIKE,
    -- where '_' in a name would be a wildcard).
    readers    TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS channels
(
    name_key     TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    member_count INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Each agent's durable inbox: what it must receive, numbered by its own sequence. A message is stored once
-- in the log and referenced here; task events keep their payload (the task as it was at that moment).
CREATE TABLE IF NOT EXISTS inbox
(
    agent_key   TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    event       TEXT    NOT NULL,
    message_seq INTEGER NULL,
    data        TEXT    NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (agent_key, seq)
) WITHOUT ROWID;

-- Each key's recent versions (bounded per key by AgentChannel:Limits:MemoryHistoryVersions).
CREATE TABLE IF NOT EXISTS memory_history
(
    key        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (key, version)
) WITHOUT ROWID;

-- The outbox of the message log: a row per inbox a stored message still has to reach, written in the same
-- transaction as the message and deleted in the same transaction as its inbox entry. What is left here after a
-- failed delivery is delivered again (MessageRedelivery) until it is stored, stored once.
CREATE TABLE IF NOT EXISTS owed_deliveries
(
    agent_key   TEXT    NOT NULL,
    message_seq INTEGER NOT NULL,
    PRIMARY KEY (agent_key, message_seq)
) WITHOUT ROWID;
