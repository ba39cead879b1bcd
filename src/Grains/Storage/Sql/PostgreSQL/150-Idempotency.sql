-- A message sent with an idempotency key has an id derived from its sender and key; request_hash is the hash of the
-- request that stored it, so a repeat with the same key is told apart from another request reusing the key.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS request_hash text NULL;
