-- The message log and the query tables (same shape as Sqlite/100-AgentChannel.sql). Grains write them before
-- their calls return; list endpoints read them. Times are Unix milliseconds (UTC). Names are stored as keys
-- (lower case) where they are matched, so comparisons are plain equality on an index.

-- Append-only: rows are inserted, never updated or deleted. seq is the log position and the cursor.
CREATE TABLE IF NOT EXISTS messages
(
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           uuid   NOT NULL UNIQUE,
    sender       text   NOT NULL,
    channel      text   NULL,
    channel_seq  bigint NULL,
    task_id      uuid   NULL,
    message_type text   NOT NULL,
    content      text   NOT NULL,
    metadata     text   NOT NULL,
    recipients   text   NOT NULL,
    created_at   bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_messages_sender ON messages (lower(sender), seq);
CREATE INDEX IF NOT EXISTS ix_messages_channel ON messages (channel, seq) WHERE channel IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_messages_task ON messages (task_id, seq) WHERE task_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_messages_created ON messages (created_at);

-- One row per (direct or task-thread) recipient, so "messages to X" is an index range.
CREATE TABLE IF NOT EXISTS message_recipients
(
    recipient text   NOT NULL,
    seq       bigint NOT NULL,
    PRIMARY KEY (recipient, seq)
);

CREATE TABLE IF NOT EXISTS agents
(
    name_key   text   NOT NULL PRIMARY KEY,
    id         uuid   NOT NULL UNIQUE,
    type       text   NOT NULL,
    status     text   NOT NULL,
    created_at bigint NOT NULL,
    document   text   NOT NULL
);

CREATE TABLE IF NOT EXISTS agent_capabilities
(
    capability text NOT NULL,
    name_key   text NOT NULL,
    PRIMARY KEY (capability, name_key)
);
CREATE INDEX IF NOT EXISTS ix_agent_capabilities_agent ON agent_capabilities (name_key);

CREATE TABLE IF NOT EXISTS tasks
(
    row_id     bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid    NOT NULL UNIQUE,
    status     text    NOT NULL,
    priority   integer NOT NULL,
    creator    text    NOT NULL,
    assignee   text    NULL,
    created_at bigint  NOT NULL,
    document   text    NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_tasks_status ON tasks (status, row_id);
CREATE INDEX IF NOT EXISTS ix_tasks_assignee ON tasks (assignee, status) WHERE assignee IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_tasks_creator ON tasks (creator, row_id);

CREATE TABLE IF NOT EXISTS memory_keys
(
    key        text    NOT NULL PRIMARY KEY,
    version    bigint  NOT NULL,
    created_by text    NOT NULL,
    updated_by text    NOT NULL,
    updated_at bigint  NOT NULL,
    size_bytes integer NOT NULL,
    -- Lower-cased names allowed to read ('*' for everyone); the creator is always one of them.
    readers    text[]  NOT NULL,
    expires_at bigint  NULL
);
CREATE INDEX IF NOT EXISTS ix_memory_keys_expires ON memory_keys (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS channels
(
    name_key     text    NOT NULL PRIMARY KEY,
    name         text    NOT NULL,
    member_count integer NOT NULL,
    created_at   bigint  NOT NULL
);

-- Each agent's durable inbox: what it must receive, numbered by its own sequence. A message is stored once
-- in the log and referenced here; task events keep their payload (the task as it was at that moment).
CREATE TABLE IF NOT EXISTS inbox
(
    agent_key   text   NOT NULL,
    seq         bigint NOT NULL,
    event       text   NOT NULL,
    message_seq bigint NULL,
    data        text   NULL,
    created_at  bigint NOT NULL,
    PRIMARY KEY (agent_key, seq)
);

-- Each key's recent versions (bounded per key by AgentChannel:Limits:MemoryHistoryVersions).
CREATE TABLE IF NOT EXISTS memory_history
(
    key        text   NOT NULL,
    version    bigint NOT NULL,
    value      text   NOT NULL,
    updated_by text   NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (key, version)
);
