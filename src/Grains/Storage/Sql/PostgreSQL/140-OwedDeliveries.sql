-- The outbox of the message log: a row per inbox a stored message still has to reach, written in the same
-- transaction as the message and deleted in the same transaction as its inbox entry. What is left here after a
-- failed delivery is delivered again (MessageRedelivery) until it is stored, stored once.
CREATE TABLE IF NOT EXISTS owed_deliveries
(
    agent_key   text   NOT NULL,
    message_seq bigint NOT NULL,
    PRIMARY KEY (agent_key, message_seq)
);
