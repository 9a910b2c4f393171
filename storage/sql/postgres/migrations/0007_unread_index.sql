-- Unread messages per recipient, kept cheap however long the history grows: the
-- dashboard's overview (and the status report) counts, for every agent, the messages
-- it never opened through a face, on every refresh. Without this index that count
-- reads every row of the table (a quarter of a second at 100,000 messages); with it,
-- only the entries of unread messages, from the index alone (it covers the query).
-- Reading a message (or
-- its expiry) takes it out.
CREATE INDEX idx_message_unread ON agent_messages (to_agent, delivery_status, read_at)
    WHERE read_at IS NULL AND delivery_status <> 'expired';
