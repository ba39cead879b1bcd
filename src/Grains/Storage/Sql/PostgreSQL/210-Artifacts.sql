-- Artifacts (docs/architecture.md, "Artifacts"); the same tables as Sqlite/210-Artifacts.sql. An upload under way has
-- a row in artifact_uploads and its bytes in artifact_chunks; the artifacts row is written last, in the same
-- transaction that removes the upload's row, and only it makes the artifact visible.
CREATE TABLE IF NOT EXISTS artifact_uploads
(
    id         uuid   NOT NULL PRIMARY KEY,
    owner      text   NOT NULL,
    started_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_artifact_uploads_started ON artifact_uploads (started_at);

CREATE TABLE IF NOT EXISTS artifact_chunks
(
    artifact_id uuid    NOT NULL,
    chunk       integer NOT NULL,
    data        bytea   NOT NULL,
    PRIMARY KEY (artifact_id, chunk)
);

CREATE TABLE IF NOT EXISTS artifacts
(
    id           uuid    NOT NULL PRIMARY KEY,
    name         text    NOT NULL,
    content_type text    NOT NULL,
    size         bigint  NOT NULL,
    sha256       text    NOT NULL,
    owner        text    NOT NULL,
    chunks       integer NOT NULL,
    created_at   bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_artifacts_created ON artifacts (created_at);

-- Who else may read an artifact: whoever may read a message carrying it (written with the message), and the parties of
-- a task whose result carries it (written with the task's row).
CREATE TABLE IF NOT EXISTS artifact_messages
(
    artifact_id uuid NOT NULL,
    message_id  uuid NOT NULL,
    PRIMARY KEY (artifact_id, message_id)
);

CREATE TABLE IF NOT EXISTS artifact_tasks
(
    artifact_id uuid NOT NULL,
    task_id     uuid NOT NULL,
    PRIMARY KEY (artifact_id, task_id)
);

-- The ids of the artifacts a message carries (a JSON array; null for none).
ALTER TABLE messages ADD COLUMN IF NOT EXISTS artifacts text NULL;
