-- The search index moves to a table of its own beside agent_messages, written once when
-- a message is stored and never again by its delivery.
--
-- PostgreSQL has no partial update of a row: a claim and a settle each write a whole new
-- version of the message's row, and since both change the indexed delivery_status, every
-- index of the table takes a new entry for it, the pg_trgm GIN index of the body
-- included, which takes one per distinct trigram of the text. The generated tsvector
-- column was computed again on each of them too. For a 200-character message of real
-- words, measured with one set-wide UPDATE per step on 1,000 messages: a claim wrote
-- 6,296 bytes of log and took 203 µs of server time with the text indexed on the row,
-- 2,478 bytes and 60 µs without; a settle 5,143 bytes and 165 µs against 1,421 and 48.
-- (A body of one repeated letter has a single trigram, which is why the throughput
-- benchmarks' payload never showed it.)
--
-- agent_messages_search holds each message's subject and body (the text is stored twice
-- in PostgreSQL; the contract's row keeps its columns), the tsvector for ranking and the
-- trigram indexes. Triggers keep it in step: statement-level ones fill it from the rows
-- each INSERT stores (one statement for a whole batch of sends) and empty it of the rows
-- each DELETE removes (retention), and a change of subject or body (never made by the bus
-- itself) is copied over. No foreign key: its check would lock the new message's row,
-- one more log record for every send.

CREATE TABLE agent_messages_search (
    message_id TEXT PRIMARY KEY,
    subject TEXT,
    content TEXT NOT NULL,
    search_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(subject, '')), 'A')
        || setweight(to_tsvector('simple', content), 'B')
    ) STORED
);

INSERT INTO agent_messages_search (message_id, subject, content)
SELECT message_id, subject, content FROM agent_messages;

DROP INDEX idx_message_search_content;
DROP INDEX idx_message_search_subject;
ALTER TABLE agent_messages DROP COLUMN search_vector;

CREATE INDEX idx_search_content ON agent_messages_search USING gin (content gin_trgm_ops);
CREATE INDEX idx_search_subject ON agent_messages_search USING gin (subject gin_trgm_ops)
    WHERE subject IS NOT NULL;

-- A search's look-up in the whole history (the `search_messages` query): the newest
-- :candidates messages whose subject or body matches an ILIKE pattern, after the filters.
-- EXECUTE plans the statement for the pattern at hand, every time. In the prepared search
-- statement the same look-up went through the trigram indexes in its first runs, then
-- scanned the whole search table (a generic plan cannot see the pattern's trigrams):
-- bench/search.py measured 150 ms against 20 for a rare word in 20,000 messages. A common
-- word with a filter gets a plan of its own too.
CREATE FUNCTION swarmbus_search_everywhere(
    pattern TEXT, agent TEXT, from_agent TEXT, since TIMESTAMPTZ, thread TEXT, status TEXT,
    candidates INTEGER
) RETURNS SETOF TEXT
LANGUAGE plpgsql STABLE ROWS 100 AS $$  -- at most :candidates (200); the default says 1,000
BEGIN
    RETURN QUERY EXECUTE $query$
        SELECT m.message_id
        FROM agent_messages_search AS t
        JOIN agent_messages AS m USING (message_id)
        WHERE (t.subject ILIKE $1 OR t.content ILIKE $1)
          AND ($2::text IS NULL OR m.to_agent = $2 OR m.from_agent = $2)
          AND ($3::text IS NULL OR m.from_agent = $3)
          AND ($4::timestamptz IS NULL OR m.sent_at >= $4)
          AND ($5::text IS NULL OR m.thread_id = $5)
          AND ($6::text IS NULL OR m.delivery_status = $6)
        ORDER BY m.message_id DESC
        LIMIT $7
    $query$ USING pattern, agent, from_agent, since, thread, status, candidates;
END
$$;

CREATE FUNCTION swarmbus_index_new_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agent_messages_search (message_id, subject, content)
    SELECT message_id, subject, content FROM stored_messages;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_messages_search_insert AFTER INSERT ON agent_messages
REFERENCING NEW TABLE AS stored_messages
FOR EACH STATEMENT EXECUTE FUNCTION swarmbus_index_new_messages();

CREATE FUNCTION swarmbus_reindex_message() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE agent_messages_search SET subject = NEW.subject, content = NEW.content
    WHERE message_id = NEW.message_id;
    RETURN NULL;
END
$$;

-- Only an UPDATE that sets subject or body fires it (deliveries set neither).
CREATE TRIGGER agent_messages_search_update AFTER UPDATE OF subject, content ON agent_messages
FOR EACH ROW
WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.content IS DISTINCT FROM NEW.content)
EXECUTE FUNCTION swarmbus_reindex_message();

CREATE FUNCTION swarmbus_unindex_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM agent_messages_search AS s
    USING removed_messages AS r WHERE s.message_id = r.message_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER agent_messages_search_delete AFTER DELETE ON agent_messages
REFERENCING OLD TABLE AS removed_messages
FOR EACH STATEMENT EXECUTE FUNCTION swarmbus_unindex_messages();
