-- A recipient's unread messages in id order, so that its newest unread few are read from
-- the end of their range: the MCP `inbox` and `whoami` tools ask for them on every call,
-- and an agent that keeps up has none, which the recipient index (migration 0018) could
-- only tell by walking its whole history (bench/reads.py, SQLite, all but the newest 5
-- of each recipient read: 2.8 ms at 100,000 messages, 24.7 ms at 1,000,000). A send
-- writes an entry and reading the message removes it; no claim or settle changes these
-- columns, so on SQLite neither touches the index.
CREATE INDEX idx_message_unread_by_id ON agent_messages (to_agent, message_id)
    WHERE read_at IS NULL;
