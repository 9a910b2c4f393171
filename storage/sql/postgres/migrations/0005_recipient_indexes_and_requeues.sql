-- What a dashboard reads on every refresh, kept cheap however long the history grows:
-- per recipient, how many messages stand in each delivery status (the status report's
-- counts walk this index instead of the table), and when the latest delivery happened
-- (one seek per recipient, through a partial index of delivered rows).
CREATE INDEX idx_message_recipient_status ON agent_messages (to_agent, delivery_status);
CREATE INDEX idx_message_last_delivery ON agent_messages (to_agent, processed_at)
    WHERE delivery_status = 'delivered';

-- Who gave a dead letter a fresh set of attempts, and when (a person on a face:
-- `web:alice`, `discord:bob`); kept until the next requeue.
ALTER TABLE agent_messages
    ADD COLUMN requeued_by TEXT,
    ADD COLUMN requeued_at TIMESTAMPTZ;
