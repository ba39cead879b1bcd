-- A task grain's state lives in its row of the tasks table, written in the same statement as the columns lists
-- read (TaskStateStorage). Rows written before this script have no state here: the task's state is then still
-- in OrleansStorage and moves here at the task's next write.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS state         bytea  NULL;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS state_version bigint NULL;
-- 1 while the state holds inbox events the task still owes agents: recovery wakes these tasks to deliver them.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS owes_notices  integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS ix_tasks_owes_notices ON tasks (id) WHERE owes_notices = 1;
-- A retried delivery of a task's inbox event is stored once per inbox: its key is unique within the inbox.
ALTER TABLE inbox ADD COLUMN IF NOT EXISTS delivery_key text NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ux_inbox_delivery_key ON inbox (agent_key, delivery_key) WHERE delivery_key IS NOT NULL;
