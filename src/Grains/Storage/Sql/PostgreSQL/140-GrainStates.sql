-- The state of agent, channel, memory, webhook and memory-watch grains, written in the same transaction as the rows
-- it implies (GrainStateStorage), with a version each write is checked against. A cleared grain keeps its row with a
-- null state (a tombstone), so its older copy in OrleansStorage is never read again. Grains stored before this script
-- have no row here: their state is still in OrleansStorage and moves here at their next write.
CREATE TABLE IF NOT EXISTS grain_states
(
    grain_type text   NOT NULL,
    grain_key  text   NOT NULL,
    version    bigint NOT NULL,
    state      bytea  NULL,
    PRIMARY KEY (grain_type, grain_key)
);
