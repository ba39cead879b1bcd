-- The waiting tasks in the order claims take them (PostgresTaskIndex.Waiting), without sorting every one of them.
-- The query names the status as the same literal: a generic plan for a bound parameter could not use this index.
CREATE INDEX IF NOT EXISTS ix_tasks_waiting ON tasks (priority, row_id) WHERE status = 'pending';
