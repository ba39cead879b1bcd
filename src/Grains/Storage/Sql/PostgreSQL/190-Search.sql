-- Full-text search (same shape as SqliteDatabase.ApplySearch). Text is indexed as its words: every ASCII character but
-- letters and digits becomes a space (a range, so no locale decides it), then the 'simple' configuration (lower case, no
-- stemming, no stop words), so a path, a JSON document or a dotted name is found by each of its words, as SQLite's
-- unicode61 tokenizer finds them; the parser separates non-ASCII punctuation itself.
-- messages.search is generated from the content: stored with the row in the same statement, filled for the rows of an
-- older database when the column is added (a rewrite of the table, once). memory_keys.search covers the key and its
-- current value, written by PostgresMemoryIndex with the row; filled once from memory_history for older databases.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, regexp_replace(content, '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g'))) STORED;
CREATE INDEX IF NOT EXISTS ix_messages_search ON messages USING gin (search);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'memory_keys' AND column_name = 'search') THEN
        ALTER TABLE memory_keys ADD COLUMN search tsvector NULL;
        UPDATE memory_keys k
        SET search = to_tsvector('simple'::regconfig, regexp_replace(k.key || ' ' || h.value, '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g'))
        FROM memory_history h WHERE h.key = k.key AND h.version = k.version;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS ix_memory_keys_search ON memory_keys USING gin (search);
