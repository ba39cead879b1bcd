-- Who may read a message in history besides its sender and recipients (same shape as SqliteDatabase's schema):
-- message_audience holds a channel post's members at the time of the post, written in the same transaction as the
-- post; task_parties holds a task's creator and every agent ever assigned it, written in the same statement as the
-- task's row, for the task's thread. Both are created once, and filled from what older databases hold: a post's
-- audience from the inboxes it reached or still owes (members but the sender), a task's parties from its row.
DO $$
BEGIN
    IF to_regclass('message_audience') IS NULL THEN
        CREATE TABLE message_audience
        (
            agent_key text   NOT NULL,
            seq       bigint NOT NULL,
            PRIMARY KEY (agent_key, seq)
        );
        INSERT INTO message_audience (agent_key, seq)
        SELECT i.agent_key, i.message_seq FROM inbox i JOIN messages m ON m.seq = i.message_seq WHERE m.channel IS NOT NULL
        UNION
        SELECT o.agent_key, o.message_seq FROM owed_deliveries o JOIN messages m ON m.seq = o.message_seq WHERE m.channel IS NOT NULL;
    END IF;
    IF to_regclass('task_parties') IS NULL THEN
        CREATE TABLE task_parties
        (
            agent_key text NOT NULL,
            task_id   uuid NOT NULL,
            PRIMARY KEY (agent_key, task_id)
        );
        INSERT INTO task_parties (agent_key, task_id)
        SELECT t.creator, t.id FROM tasks t
        UNION
        SELECT lower(a ->> 'agent'), t.id FROM tasks t CROSS JOIN jsonb_array_elements(t.document::jsonb -> 'assignments') AS a
        WHERE a ->> 'agent' IS NOT NULL;
    END IF;
END $$;
