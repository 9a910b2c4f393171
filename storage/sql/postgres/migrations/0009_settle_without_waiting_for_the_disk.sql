-- Recording deliveries (the `mark_delivered` query) through a function, so that a
-- settle whose deliveries may simply be repeated commits without waiting for the disk.
--
-- An idempotent transport (the inbox) finds its own earlier file when a message comes
-- again, so a delivery record lost with the server (the only way an asynchronous commit
-- is lost: other sessions see it at once) puts the message back in play, and its next
-- delivery repeats nothing. Waiting for the disk there only slowed every other commit,
-- the senders' included, which share the log's flushes. The dispatcher says which
-- settles may (`durable` false); a GUI paste's record always waits for the disk.
CREATE FUNCTION swarmbus_mark_delivered(outcomes JSONB, durable BOOLEAN)
RETURNS SETOF TEXT
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT durable THEN
        PERFORM set_config('synchronous_commit', 'off', true);  -- this transaction only
    END IF;
    RETURN QUERY
    UPDATE agent_messages AS m
    SET delivery_status = 'delivered', status = 'delivered', processed_at = now(),
        delivery_time_ms = (o.value ->> 'ms')::integer,
        delivery_method = coalesce(o.value ->> 'method', m.delivery_method),
        pyautogui_coordinates = coalesce(nullif(o.value -> 'coordinates', 'null'::jsonb),
                                         m.pyautogui_coordinates),
        coordinate_validation_status = coalesce(o.value ->> 'cvs',
                                                m.coordinate_validation_status),
        lease_expires_at = NULL, claim_token = NULL,
        attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
    FROM jsonb_array_elements(outcomes) AS o
    WHERE m.message_id = o.value ->> 'id' AND m.claim_token = o.value ->> 'token'
    RETURNING m.message_id;
END
$$;
