-- Conversations: threads and replies, read receipts, acknowledgements with
-- deadlines, and full-text search over subject and body.
--
-- thread_id is the id of the thread's first message (a new message starts its
-- own thread; every row of a broadcast shares the first row's); reply_to is
-- the message answered, in the same thread. read_at and acked_at sit beside
-- the delivery states: delivered means the text reached the window or the
-- inbox, read that the recipient opened it through a face, acked that the
-- recipient said so. An ack may be required, with a deadline (ack_due_at, from
-- the database's clock); overdue_alerted_at records the one alert an overdue
-- ack gets. Existing rows become one-message threads.

ALTER TABLE agent_messages ADD COLUMN thread_id TEXT;
ALTER TABLE agent_messages ADD COLUMN reply_to TEXT REFERENCES agent_messages (message_id);
ALTER TABLE agent_messages ADD COLUMN subject TEXT
    CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 200);
ALTER TABLE agent_messages ADD COLUMN read_at TEXT;
ALTER TABLE agent_messages ADD COLUMN ack_required INTEGER NOT NULL DEFAULT 0
    CHECK (ack_required IN (0, 1));
ALTER TABLE agent_messages ADD COLUMN ack_due_at TEXT
    CHECK (ack_due_at IS NULL OR ack_required = 1);
ALTER TABLE agent_messages ADD COLUMN acked_at TEXT;
ALTER TABLE agent_messages ADD COLUMN ack_note TEXT
    CHECK (ack_note IS NULL OR (acked_at IS NOT NULL AND length(ack_note) BETWEEN 1 AND 1000));
ALTER TABLE agent_messages ADD COLUMN overdue_alerted_at TEXT;

UPDATE agent_messages SET thread_id = message_id;

-- A whole thread in order.
CREATE INDEX idx_message_thread ON agent_messages (thread_id, message_id);
-- Deleting a message looks up its replies (the foreign key).
CREATE INDEX idx_message_reply_to ON agent_messages (reply_to) WHERE reply_to IS NOT NULL;
-- Acks still awaited, by deadline: the overdue check reads only these.
CREATE INDEX idx_message_ack_due ON agent_messages (ack_due_at)
    WHERE ack_required = 1 AND acked_at IS NULL;

-- Full-text search: an FTS5 index over subject and body, its content read from
-- agent_messages itself (nothing stored twice). The trigram tokenizer indexes
-- every three characters, so a quoted phrase is a case-insensitive substring
-- match: paths (storage/claims.py), ids (PR-42), snake_case names and CJK text
-- are found as typed.
--
-- Indexing a message costs several times what storing it does, so `send` does
-- not pay for it: new rows are indexed in batches by whoever comes next, a
-- search (before it looks) or a running dispatcher (in the background). The
-- index always holds exactly the rows up to the highest rowid it holds
-- (max(id) of its docsize table); rows above it wait, and rowids only grow, so
-- the next batch takes them in order. The triggers below keep the indexed rows
-- in step when one is deleted (retention) or its text changes; a row not yet
-- indexed is left alone, since deleting an absent row would corrupt the index.
CREATE VIRTUAL TABLE agent_messages_search USING fts5 (
    subject, content, content = 'agent_messages', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO agent_messages_search (agent_messages_search) VALUES ('rebuild');

CREATE TRIGGER agent_messages_search_delete AFTER DELETE ON agent_messages
WHEN old.rowid <= (SELECT coalesce(max(id), 0) FROM agent_messages_search_docsize)
BEGIN
    INSERT INTO agent_messages_search (agent_messages_search, rowid, subject, content)
    VALUES ('delete', old.rowid, old.subject, old.content);
END;

-- Only a change of the indexed text touches the index (delivery updates do not).
CREATE TRIGGER agent_messages_search_update AFTER UPDATE OF subject, content ON agent_messages
WHEN old.rowid <= (SELECT coalesce(max(id), 0) FROM agent_messages_search_docsize)
BEGIN
    INSERT INTO agent_messages_search (agent_messages_search, rowid, subject, content)
    VALUES ('delete', old.rowid, old.subject, old.content);
    INSERT INTO agent_messages_search (rowid, subject, content)
    VALUES (new.rowid, new.subject, new.content);
END;
