-- Artifacts (docs/architecture.md, "Artifacts"); the same tables as PostgreSQL/210-Artifacts.sql. An upload under way
-- has a row in artifact_uploads and its bytes in artifact_chunks; the artifacts row is written last, in the same
-- transaction that removes the upload's row, and only it makes the artifact visible.
CREATE TABLE IF NOT EXISTS artifact_uploads
(
    id         TEXT    NOT NULL PRIMARY KEY,
    owner      TEXT    NOT NULL,
    started_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_artifact_uploads_started ON artifact_uploads (started_at);

CREATE TABLE IF NOT EXISTS artifact_chunks
(
    artifact_id TEXT    NOT NULL,
    chunk       INTEGER NOT NULL,
    data        BLOB    NOT NULL,
    PRIMARY KEY (artifact_id, chunk)
);

CREATE TABLE IF NOT EXISTS artifacts
(
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    chunks       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_artifacts_created ON artifacts (created_at);

-- Who else may read an artifact: whoever may read a message carrying it (written with the message), and the parties of
-- a task whose result carries it (written with the task's row).
CREATE TABLE IF NOT EXISTS artifact_messages
(
    artifact_id TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (artifact_id, message_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS artifact_tasks
(
    artifact_id TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    PRIMARY KEY (artifact_id, task_id)
) WITHOUT ROWID;
