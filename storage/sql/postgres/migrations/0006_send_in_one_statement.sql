-- A send in one statement, and so one round trip (the `send_messages` query): ids must
-- increase in commit order, so senders take the message-id lock before they read the
-- newest id. In one statement that read would see the snapshot taken when the statement
-- began, before it waited for the lock, and could miss the sender who held it. A
-- VOLATILE PL/pgSQL function's queries each take a fresh snapshot (READ COMMITTED), so
-- this one reads the newest id after the lock, as the separate statements did.
CREATE FUNCTION swarmbus_newest_message_id() RETURNS TEXT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    newest TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(7355608);
    SELECT max(message_id) INTO newest FROM agent_messages;
    RETURN newest;
END
$$;
