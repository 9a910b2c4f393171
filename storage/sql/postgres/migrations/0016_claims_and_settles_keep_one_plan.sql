-- The claim and the settle are planned once per connection, not on every call, however
-- many messages wait; and the plans they keep reach rows through indexes only, whatever
-- the statistics said when the plans were made.
--
-- PL/pgSQL plans a statement that uses the function's variables for its first five
-- calls, then keeps a generic plan only if the planner costs it no higher than those.
-- The claim's statements did not qualify: a lane's first `cardinality(wanted)` ids (a
-- limit the generic plan cannot see, so it costs 10% of the lane) and ids given as an
-- array variable (a custom plan counts them). With 100,000 messages waiting in 8 lanes,
-- every call of `swarmbus_claim_runs` planned each lane's three statements again:
-- 1.7-2.5 ms a call for 8 lanes, against 0.54-0.66 ms with generic plans. bench/
-- history.py read the claim and settle of a message at 835-1,001 µs there, against
-- 610-830 on the empty table.
--
-- So the claim is now one statement, whose every set comes out of the JSON argument:
-- the planner guesses the same 100 rows for those with or without the values, so the
-- generic plan costs what a custom one does and is kept. It takes a run only if it is
-- still exactly the lane's first rows in play, as before:
-- - every row of the run is locked by this claim (SKIP LOCKED: a row another claim holds
--   is left out), still in play and due. The lock reads each row's newest version and
--   checks it again, so a run another dispatcher took in between is not due;
-- - no other row of its lane in play lies below the run's last one (a head held by
--   another claim, or a row the run skipped). This reads the rows as of the statement's
--   start, where the per-lane loop read them after its locks: a dead letter requeued
--   into the lane within that fraction of a millisecond is not seen. A requeue a moment
--   after the claim is not seen by either, so the guarantee is the same.
-- The settle reads its ids out of its JSON argument in the statement, for the same reason.
--
-- A kept plan is made with the statistics of its sixth call. On a new table, never
-- analyzed, the planner cannot tell how many rows there are or which are in play, and
-- the plans it kept read the whole table, the whole lane index or every row of a
-- recipient on each call, until autovacuum's ANALYZE up to a minute later (a test fills
-- 10,000 rows under kept plans: 2,125 pages a claim and 529 a settle before, 39 and 32
-- now; tests/integration/test_postgres_plans.py). So:
-- - both functions plan with sequential scans costed out of reach (`enable_seqscan`);
-- - the test of in play and due is one CASE, which the planner cannot match to the lane
--   index's condition (it ANDed the primary key with a scan of the whole lane index);
-- - the rows below a run are read in lane order, first one only, which only the lane
--   index gives without a sort (it had picked the recipient index and filtered).

CREATE OR REPLACE FUNCTION swarmbus_claim_runs(
    runs JSONB, lease_seconds FLOAT8, token TEXT, taker TEXT
) RETURNS SETOF agent_messages
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY
    WITH run AS MATERIALIZED (
        SELECT r.value ->> 0 AS to_agent, (r.value ->> 1)::smallint AS priority_rank,
               ARRAY(SELECT jsonb_array_elements_text(r.value -> 2)) AS wanted
        FROM jsonb_array_elements(runs) AS r
    ), locked AS MATERIALIZED (
        SELECT h.message_id, h.to_agent, h.priority_rank
        FROM agent_messages AS h
        WHERE h.message_id = ANY (ARRAY(
                SELECT jsonb_array_elements_text(r.value -> 2)
                FROM jsonb_array_elements(runs) AS r))
          AND CASE h.delivery_status  -- in play and due, in one test (see above)
                  WHEN 'claimed' THEN h.lease_expires_at <= now()
                  WHEN 'pending' THEN h.available_at <= now()
                  WHEN 'retrying' THEN h.available_at <= now()
                  ELSE false END
        FOR UPDATE OF h SKIP LOCKED
    ), taken AS MATERIALIZED (
        SELECT unnest(run.wanted) AS message_id
        FROM run
        WHERE run.wanted = ARRAY(
                SELECT l.message_id FROM locked AS l
                WHERE l.to_agent = run.to_agent AND l.priority_rank = run.priority_rank
                  AND l.message_id = ANY (run.wanted)
                ORDER BY l.message_id)
          AND (  -- the lane's first other row in play, read in lane order
                SELECT e.message_id FROM agent_messages AS e
                WHERE e.to_agent = run.to_agent AND e.priority_rank = run.priority_rank
                  AND e.delivery_status IN ('pending', 'claimed', 'retrying')
                  AND e.message_id < run.wanted[cardinality(run.wanted)]
                  AND e.message_id <> ALL (run.wanted)
                ORDER BY e.message_id
                LIMIT 1) IS NULL
    )
    UPDATE agent_messages AS m
    SET delivery_status = 'claimed',
        lease_expires_at = now() + lease_seconds * interval '1 second',
        claim_token = token, claimed_by = taker
    WHERE m.message_id = ANY (ARRAY(SELECT t.message_id FROM taken AS t))
    RETURNING m.*;
END
$$;

CREATE OR REPLACE FUNCTION swarmbus_mark_delivered(outcomes JSONB, durable BOOLEAN)
RETURNS SETOF TEXT
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
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
    WHERE m.message_id = ANY (ARRAY(SELECT w.value ->> 'id' FROM jsonb_array_elements(outcomes) AS w))
      AND m.message_id = o.value ->> 'id' AND m.claim_token = o.value ->> 'token'
    RETURNING m.message_id;
END
$$;
