-- The one-column CHECKs of agent_messages move onto domains: the same rules, held by each
-- column's type instead of by the table, so that a write no longer reads them back from
-- their stored text.
--
-- PostgreSQL reads a table's CHECK constraints back from their stored node trees
-- (`stringToNode`) at the start of every statement that inserts or updates a row of it,
-- and evaluates each for every row written. agent_messages had 18, 17,914 characters of
-- node text (each allowed value a constant spelled out byte by byte). With messages
-- arriving one at a time every send, claim and settle is a statement of a row or two, and
-- reading them was the largest single cost on the server: `pg_strtok` and the number
-- parsing under it were 16% of a backend's CPU updating one row (`perf record`), and a
-- one-row update took 186 µs of server CPU with them against 125 without. Measured side
-- by side after this change (one process, a database on each side, 16 turns of 400
-- statements, two runs): a one-row update 235 / 244 -> 173 / 184 µs of server CPU, a
-- one-row insert 248 / 275 -> 198 / 220. 4,696 characters of node text are left.
--
-- A domain's CHECK is read once per connection (the type cache) and an UPDATE checks the
-- columns it sets, not every column of the row. The rules and the messages' meaning are
-- unchanged: a domain over TEXT is TEXT to every query, driver and `db copy`, and a value
-- outside a domain's list is refused with a check violation as before. The CHECKs that
-- tie two columns together stay on the table: the status that follows the delivery
-- status, a lease held only while claimed, an acknowledgement due only when asked for,
-- and a note only on an acknowledged message (its length rule moves to its domain).
-- `priority` keeps its table CHECK: the generated `priority_rank` is computed from it, and
-- a column another is generated from cannot change its type. Nor can a column a trigger
-- names, so the trigger that copies the sender, subject and content into the search's
-- table is made again, unchanged (migration 0012), around the change.

CREATE DOMAIN swarmbus_from_agent AS TEXT CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN swarmbus_tags AS JSONB CHECK (jsonb_typeof(VALUE) = 'array');
CREATE DOMAIN swarmbus_status AS TEXT
    CHECK (VALUE IN ('pending', 'delivered', 'failed', 'expired'));
CREATE DOMAIN swarmbus_coordinates AS JSONB CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN swarmbus_delivery_method AS TEXT
    CHECK (VALUE IN ('pyautogui', 'pyautogui_typing', 'inbox', 'memory'));
CREATE DOMAIN swarmbus_delivery_status AS TEXT
    CHECK (VALUE IN ('pending', 'claimed', 'retrying', 'delivered', 'failed', 'expired'));
CREATE DOMAIN swarmbus_count AS INTEGER CHECK (VALUE >= 0);
CREATE DOMAIN swarmbus_coordinate_status AS TEXT
    CHECK (VALUE IN ('pending', 'valid', 'off_screen', 'title_mismatch', 'unverified',
                     'not_applicable'));
CREATE DOMAIN swarmbus_idempotency_key AS TEXT CHECK (length(VALUE) BETWEEN 1 AND 200);
CREATE DOMAIN swarmbus_ack_note AS TEXT CHECK (length(VALUE) BETWEEN 1 AND 1000);
CREATE DOMAIN swarmbus_subject AS TEXT CHECK (length(VALUE) BETWEEN 1 AND 200);
CREATE DOMAIN swarmbus_content AS TEXT CHECK (length(VALUE) > 0);

DROP TRIGGER agent_messages_search_update ON agent_messages;

ALTER TABLE agent_messages
    DROP CONSTRAINT agent_messages_from_agent_check,
    DROP CONSTRAINT agent_messages_tags_check,
    DROP CONSTRAINT agent_messages_status_check,
    DROP CONSTRAINT agent_messages_pyautogui_coordinates_check,
    DROP CONSTRAINT agent_messages_delivery_method_check,
    DROP CONSTRAINT agent_messages_delivery_status_check,
    DROP CONSTRAINT agent_messages_retry_count_check,
    DROP CONSTRAINT agent_messages_max_retries_check,
    DROP CONSTRAINT agent_messages_delivery_time_ms_check,
    DROP CONSTRAINT agent_messages_coordinate_validation_status_check,
    DROP CONSTRAINT agent_messages_idempotency_key_check,
    DROP CONSTRAINT agent_messages_check3,
    DROP CONSTRAINT agent_messages_subject_check,
    DROP CONSTRAINT agent_messages_content_check,
    ALTER COLUMN from_agent TYPE swarmbus_from_agent,
    ALTER COLUMN tags TYPE swarmbus_tags,
    ALTER COLUMN status TYPE swarmbus_status,
    ALTER COLUMN pyautogui_coordinates TYPE swarmbus_coordinates,
    ALTER COLUMN delivery_method TYPE swarmbus_delivery_method,
    ALTER COLUMN delivery_status TYPE swarmbus_delivery_status,
    ALTER COLUMN retry_count TYPE swarmbus_count,
    ALTER COLUMN max_retries TYPE swarmbus_count,
    ALTER COLUMN delivery_time_ms TYPE swarmbus_count,
    ALTER COLUMN coordinate_validation_status TYPE swarmbus_coordinate_status,
    ALTER COLUMN idempotency_key TYPE swarmbus_idempotency_key,
    ALTER COLUMN ack_note TYPE swarmbus_ack_note,
    ALTER COLUMN subject TYPE swarmbus_subject,
    ALTER COLUMN content TYPE swarmbus_content,
    ADD CONSTRAINT agent_messages_ack_note_check
        CHECK (ack_note IS NULL OR acked_at IS NOT NULL);

CREATE TRIGGER agent_messages_search_update
AFTER UPDATE OF subject, content, from_agent, to_agent, sent_at, thread_id ON agent_messages
FOR EACH ROW
WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.content IS DISTINCT FROM NEW.content
      OR OLD.from_agent IS DISTINCT FROM NEW.from_agent OR OLD.to_agent IS DISTINCT FROM NEW.to_agent
      OR OLD.sent_at IS DISTINCT FROM NEW.sent_at OR OLD.thread_id IS DISTINCT FROM NEW.thread_id)
EXECUTE FUNCTION swarmbus_reindex_message();
