-- Nothing to change in PostgreSQL. SQLite's 0020 keeps each recipient's unread messages
-- in id order, for an inbox of the unread (`inbox_unread`); here every claim and settle
-- writes a new version of the row into each index whose condition it meets (none is
-- HOT: they change delivery_status), and a message is unread while it is delivered, so
-- such an index would cost both of them an entry. The planner reads the unread of one
-- recipient from idx_message_recipient_counts instead (to_agent, then read_at IS NULL
-- tested inside the index), by the statistics autovacuum keeps.
SELECT 1;
