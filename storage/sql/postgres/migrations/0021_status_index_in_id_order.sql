-- The seed's index of delivery statuses keeps the messages of each status in id order, so
-- that a listing by status (`messages_in_status`: the dashboard's dead letters on every
-- refresh of its overview, the bot's) reads the newest few from the end of the status's
-- range, instead of sorting every message of that status (or, through list_messages'
-- optional filters, walking the table from its newest message: SQLite's 0021 has the
-- figures). The index still leads with delivery_status and serves every look-up it served.
DROP INDEX idx_message_status;
CREATE INDEX idx_message_status ON agent_messages (delivery_status, message_id);
