-- A task grain's state lives in its row of the tasks table, written in the same statement as the columns lists
-- read (TaskStateStorage). Rows written before this script have no state here: the task's state is then still
-- in OrleansStorage and moves here at the task's next write.
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS state         bytea  NULL;
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS state_version bigint NULL;
