-- A search's filters on who, when and which thread are answered beside the text. The
-- look-up in the whole history (`swarmbus_search_everywhere`) joined every trigram match
-- to its message row for them, and for a common word with an agent filter the planner
-- hashed the whole message table: 59 ms against 39 ms with the text on the message row,
-- at 100,000 messages (bench/search.py, "common + agent filter"). Sender, recipient,
-- send time and thread never change after a send, so the search table keeps a copy
-- (about 60 bytes a message); only a filter on the delivery status, which changes, still
-- looks at the message row.
--
-- The look-up always goes through the trigram indexes (bitmap scans only, inside the
-- function). It runs only when the text is rare among the newest messages, yet the
-- planner, guessing a 1% match rate for any pattern, walked the whole table newest first
-- expecting to stop early: 147 ms for 'storage/claims.py' (411 matches in 100,000),
-- against a few through the index.

ALTER TABLE agent_messages_search
    ADD COLUMN from_agent TEXT,
    ADD COLUMN to_agent TEXT,
    ADD COLUMN sent_at TIMESTAMPTZ,
    ADD COLUMN thread_id TEXT;

UPDATE agent_messages_search AS s
SET from_agent = m.from_agent, to_agent = m.to_agent, sent_at = m.sent_at, thread_id = m.thread_id
FROM agent_messages AS m WHERE m.message_id = s.message_id;

ALTER TABLE agent_messages_search
    ALTER COLUMN from_agent SET NOT NULL,
    ALTER COLUMN to_agent SET NOT NULL,
    ALTER COLUMN sent_at SET NOT NULL,
    ALTER COLUMN thread_id SET NOT NULL;

CREATE OR REPLACE FUNCTION swarmbus_index_new_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agent_messages_search (
        message_id, subject, content, from_agent, to_agent, sent_at, thread_id
    )
    SELECT message_id, subject, content, from_agent, to_agent, sent_at, thread_id
    FROM stored_messages;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION swarmbus_reindex_message() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agent_messages_search
    SET subject = NEW.subject, content = NEW.content, from_agent = NEW.from_agent,
        to_agent = NEW.to_agent, sent_at = NEW.sent_at, thread_id = NEW.thread_id
    WHERE message_id = NEW.message_id;
    RETURN NULL;
END
$$;

-- Only an UPDATE that sets one of the copied columns fires it (deliveries set none).
DROP TRIGGER agent_messages_search_update ON agent_messages;
CREATE TRIGGER agent_messages_search_update
AFTER UPDATE OF subject, content, from_agent, to_agent, sent_at, thread_id ON agent_messages
FOR EACH ROW
WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.content IS DISTINCT FROM NEW.content
      OR OLD.from_agent IS DISTINCT FROM NEW.from_agent OR OLD.to_agent IS DISTINCT FROM NEW.to_agent
      OR OLD.sent_at IS DISTINCT FROM NEW.sent_at OR OLD.thread_id IS DISTINCT FROM NEW.thread_id)
EXECUTE FUNCTION swarmbus_reindex_message();

CREATE OR REPLACE FUNCTION swarmbus_search_everywhere(
    pattern TEXT, agent TEXT, from_agent TEXT, since TIMESTAMPTZ, thread TEXT, status TEXT,
    candidates INTEGER
) RETURNS SETOF TEXT
LANGUAGE plpgsql STABLE ROWS 100  -- at most :candidates (200); the default says 1,000
SET enable_seqscan = off SET enable_indexscan = off AS $$
BEGIN
    RETURN QUERY EXECUTE $query$
        SELECT t.message_id
        FROM agent_messages_search AS t
        WHERE (t.subject ILIKE $1 OR t.content ILIKE $1)
          AND ($2::text IS NULL OR t.to_agent = $2 OR t.from_agent = $2)
          AND ($3::text IS NULL OR t.from_agent = $3)
          AND ($4::timestamptz IS NULL OR t.sent_at >= $4)
          AND ($5::text IS NULL OR t.thread_id = $5)
          AND ($6::text IS NULL OR EXISTS (
              SELECT 1 FROM agent_messages AS m
              WHERE m.message_id = t.message_id AND m.delivery_status = $6))
        ORDER BY t.message_id DESC
        LIMIT $7
    $query$ USING pattern, agent, from_agent, since, thread, status, candidates;
END
$$;
