-- A claim in one statement, its own transaction and one round trip (the `claim_runs`
-- query). The claim first reads the lane heads without locking them (`lane_heads`)
-- and picks, per lane, the run at its head that is ready; this function then takes each
-- run only if it is still exactly that: the lane's first rows in play, none of them
-- held by another claim in progress (row locks, SKIP LOCKED), no earlier row in play
-- (the lane's true head), and each one due by the server's clock. A lane that changed
-- in between is left for the next claim, so a lane is never taken out of order.
--
-- BEGIN, the locked read, the update and COMMIT were four round trips; a VOLATILE
-- PL/pgSQL function's queries each see the newest committed rows (READ COMMITTED), as
-- those separate statements did.
--
-- The claim's commit does not wait for the disk (synchronous_commit off, for this
-- transaction only). A claim is a lease, not a record: other sessions see it at once,
-- and only a crash of the server itself can lose it, which puts the messages back in
-- play as an expired lease would. Before a non-idempotent delivery touches the screen,
-- its attempt mark commits durably, and that flush carries the claim's commit with it
-- (the log is written in order); an idempotent delivery may simply repeat. Sends and
-- settles stay durable.
CREATE FUNCTION swarmbus_claim_runs(
    runs JSONB, lease_seconds FLOAT8, token TEXT, taker TEXT
) RETURNS SETOF agent_messages
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    run JSONB;
    wanted TEXT[];
    locked TEXT[];
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR run IN SELECT value FROM jsonb_array_elements(runs) LOOP
        wanted := ARRAY(SELECT jsonb_array_elements_text(run -> 2));
        SELECT coalesce(array_agg(a.message_id ORDER BY a.message_id), '{}') INTO locked
        FROM (
            SELECT h.message_id FROM agent_messages AS h
            WHERE h.to_agent = run ->> 0 AND h.priority_rank = (run ->> 1)::smallint
              AND h.delivery_status IN ('pending', 'claimed', 'retrying')
            ORDER BY h.message_id
            LIMIT cardinality(wanted)
            FOR UPDATE OF h SKIP LOCKED
        ) AS a;
        CONTINUE WHEN locked IS DISTINCT FROM wanted;
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM agent_messages AS e
            WHERE e.to_agent = run ->> 0 AND e.priority_rank = (run ->> 1)::smallint
              AND e.delivery_status IN ('pending', 'claimed', 'retrying')
              AND e.message_id < wanted[1]
        );
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM agent_messages AS d
            WHERE d.message_id = ANY (wanted)
              AND CASE WHEN d.delivery_status = 'claimed' THEN d.lease_expires_at
                       ELSE d.available_at END > now()
        );
        RETURN QUERY
        UPDATE agent_messages
        SET delivery_status = 'claimed',
            lease_expires_at = now() + lease_seconds * interval '1 second',
            claim_token = token, claimed_by = taker
        WHERE message_id = ANY (wanted)
        RETURNING *;
    END LOOP;
END
$$;
