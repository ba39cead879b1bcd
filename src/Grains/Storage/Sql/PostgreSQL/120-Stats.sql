-- What the reports read (same shape as SqliteStatsStore's schema): task columns written with every task
-- index write, covering indexes so a report reads no task documents, and per-hour, per-agent activity
-- counters the message log, inbox and memory index bump inside their own transactions.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS capabilities      text    NOT NULL DEFAULT '[]';
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS first_assigned_at bigint  NULL;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS closed_at         bigint  NULL;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS assignments       integer NOT NULL DEFAULT 0;

CREATE INDEX IF NOT EXISTS ix_tasks_stats_created ON tasks (created_at)
    INCLUDE (status, creator, assignee, capabilities, first_assigned_at, closed_at, assignments);
CREATE INDEX IF NOT EXISTS ix_tasks_stats_closed ON tasks (closed_at)
    INCLUDE (status, creator, assignee, capabilities, created_at, first_assigned_at, assignments)
    WHERE closed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS agent_activity_hours
(
    hour              bigint NOT NULL,
    agent_key         text   NOT NULL,
    messages_sent     bigint NOT NULL,
    messages_received bigint NOT NULL,
    memory_writes     bigint NOT NULL,
    PRIMARY KEY (hour, agent_key)
);
CREATE INDEX IF NOT EXISTS ix_agent_activity_agent ON agent_activity_hours (agent_key, hour);
