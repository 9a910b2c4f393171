-- Settles find their messages by primary key, however many rows the table holds.
--
-- `swarmbus_mark_delivered` (migration 0009) joined the outcomes, read with
-- `jsonb_array_elements`, to agent_messages. The planner guesses 100 rows for any set-
-- returning function, and against a table of a few thousand rows a hash join over a
-- sequential scan looks cheaper than 100 index probes. PL/pgSQL keeps that plan for the
-- connection's life, while the table grows: with one sender, every settle of a bench run
-- read the whole table (2.3 ms a call at 8,000 rows against 0.24 ms for a claim, through
-- pg_stat_statements; `EXPLAIN` of the generic plan at 3,000 rows: Seq Scan, 1.6 ms).
-- The ids now also go in as an array, `message_id = ANY (...)`, which the planner
-- always looks up in the primary key.

CREATE OR REPLACE FUNCTION swarmbus_mark_delivered(outcomes JSONB, durable BOOLEAN)
RETURNS SETOF TEXT
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    wanted TEXT[] := ARRAY(SELECT o.value ->> 'id' FROM jsonb_array_elements(outcomes) AS o);
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
    WHERE m.message_id = ANY (wanted)
      AND m.message_id = o.value ->> 'id' AND m.claim_token = o.value ->> 'token'
    RETURNING m.message_id;
END
$$;
