-- Set when the agent was retired: its row stays (found by id, its name taken) but listings and assignment skip it.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS retired_at bigint NULL;
