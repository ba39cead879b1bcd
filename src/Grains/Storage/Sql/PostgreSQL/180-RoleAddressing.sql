-- A message sent to a capability keeps its address ('any' or 'all' of the agents with it). The agents it was resolved to
-- when it was sent are its recipients (message_recipients, owed_deliveries) like those of any direct message.
ALTER TABLE messages ADD COLUMN IF NOT EXISTS to_capability text NULL;
ALTER TABLE messages ADD COLUMN IF NOT EXISTS role_mode text NULL;
