-- Conversations: threads and replies, read receipts, acknowledgements with
-- deadlines, and full-text search over subject and body (the same contract as
-- the SQLite migration; see there for what each column means).
--
-- Search: matching is a literal, case-insensitive substring (ILIKE with the
-- user's text escaped), as SQLite's trigram index matches, served by pg_trgm
-- GIN indexes (one per column: the planner combines them for "subject OR
-- body", which it would not do on one index of both). The generated tsvector
-- (subject weighted above the body) gives ts_rank and ts_headline for the
-- matches. It has no GIN index of its own: no query looks rows up by it (a
-- tsquery finds words, not the substrings a search must find), and one cost
-- every send about a sixth of its time. PostgreSQL indexes as it stores.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE agent_messages
    ADD COLUMN thread_id TEXT,
    ADD COLUMN reply_to TEXT REFERENCES agent_messages (message_id),
    ADD COLUMN subject TEXT CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 200),
    ADD COLUMN read_at TIMESTAMPTZ,
    ADD COLUMN ack_required BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN ack_due_at TIMESTAMPTZ CHECK (ack_due_at IS NULL OR ack_required),
    ADD COLUMN acked_at TIMESTAMPTZ,
    ADD COLUMN ack_note TEXT
        CHECK (ack_note IS NULL OR (acked_at IS NOT NULL AND length(ack_note) BETWEEN 1 AND 1000)),
    ADD COLUMN overdue_alerted_at TIMESTAMPTZ,
    ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(subject, '')), 'A')
        || setweight(to_tsvector('simple', content), 'B')
    ) STORED;

UPDATE agent_messages SET thread_id = message_id;
ALTER TABLE agent_messages ALTER COLUMN thread_id SET NOT NULL;

CREATE INDEX idx_message_thread ON agent_messages (thread_id, message_id);
CREATE INDEX idx_message_reply_to ON agent_messages (reply_to) WHERE reply_to IS NOT NULL;
CREATE INDEX idx_message_ack_due ON agent_messages (ack_due_at)
    WHERE ack_required AND acked_at IS NULL;
CREATE INDEX idx_message_search_content ON agent_messages USING gin (content gin_trgm_ops);
CREATE INDEX idx_message_search_subject ON agent_messages USING gin (subject gin_trgm_ops)
    WHERE subject IS NOT NULL;
