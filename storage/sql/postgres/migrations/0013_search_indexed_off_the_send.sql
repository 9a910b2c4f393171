-- A send no longer indexes its text: the insert trigger queues the new messages' ids in
-- agent_messages_search_queue, and the catch-up that every search runs first, and a
-- running dispatcher every second, indexes them in batches (`index_backlog`), as SQLite
-- has done since migration 0010.
--
-- Indexing cost more than storing. Measured with the trigger on and off, alternating on
-- one connection: 996-1,162 against 1,198-1,470 single-message sends a second for 200 B
-- of one letter, and more for real words, whose trigrams each take a GIN entry and whose
-- tsvector is computed at insert. A queued id is one small row and one btree entry.
--
-- The queue, not the highest indexed id: PostgreSQL has no rowid, and `db copy --append`
-- stores messages with ids below those already indexed. A queued message deleted before
-- it is indexed (retention) is simply dropped from the queue by the next catch-up.

CREATE TABLE agent_messages_search_queue (
    message_id TEXT PRIMARY KEY
);

CREATE OR REPLACE FUNCTION swarmbus_index_new_messages() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agent_messages_search_queue (message_id)
    SELECT message_id FROM stored_messages;
    RETURN NULL;
END
$$;
