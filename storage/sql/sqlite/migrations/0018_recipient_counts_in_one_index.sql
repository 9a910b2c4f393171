-- The status report's two counts per recipient, how many messages stand in each delivery
-- status and how many of them were never opened through a face, come from one walk of one
-- index (the `count_by_agent_and_status` query) instead of two indexes that both led with
-- (to_agent, delivery_status). Every claim and settle changes delivery_status, so each of
-- them had to move an entry in both; now in one. The unread count walks every message of a
-- recipient rather than only its unread ones, in the same walk as the status counts.
DROP INDEX idx_message_recipient_status;
DROP INDEX idx_message_unread;
CREATE INDEX idx_message_recipient_counts ON agent_messages (to_agent, delivery_status, read_at);
