-- Claims find a lane's head through the lane index, however much history lies below it.
--
-- The claim's locking read asked for a lane's first rows in play, `ORDER BY message_id
-- LIMIT n`. The planner can walk the primary key in id order and filter, expecting the
-- lane's rows to be spread evenly through the ids; but delivered history sits below
-- them all. With 3,000 delivered rows it chose that walk and read past every delivered
-- row on each claim (`auto_explain`: 4,153 buffers for a claim of 8 lanes; bench/
-- history.py: 2.6 ms a message against 1.0 on an empty table). The first ids of a lane
-- now come from the lane index alone (an index-only scan: the index holds the lane and
-- the ids, and only rows in play), and the rows are then locked by primary key. Same
-- rule as before: a run is taken only if the lane's first rows in play are exactly it,
-- none held by another claim (SKIP LOCKED leaves such a row out, and the run no longer
-- matches) and none changed since they were read (a locked row is checked again).
--
-- The runs it takes are updated in one statement after all the checks, instead of one
-- UPDATE per run: every UPDATE of agent_messages reads the table's CHECK constraints back
-- from their stored text (`ExecConstraints`, 7% of all CPU samples with one sender,
-- `perf record`), once per statement. The runs are of distinct lanes, each locked by its
-- own check until the commit, so the one UPDATE takes what the per-run ones took.

CREATE OR REPLACE FUNCTION swarmbus_claim_runs(
    runs JSONB, lease_seconds FLOAT8, token TEXT, taker TEXT
) RETURNS SETOF agent_messages
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    run JSONB;
    wanted TEXT[];
    locked TEXT[];
    taken TEXT[] := '{}';
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR run IN SELECT value FROM jsonb_array_elements(runs) LOOP
        wanted := ARRAY(SELECT jsonb_array_elements_text(run -> 2));
        SELECT coalesce(array_agg(a.message_id ORDER BY a.message_id), '{}') INTO locked
        FROM (
            SELECT h.message_id FROM agent_messages AS h
            WHERE h.message_id = ANY (ARRAY(
                    SELECT i.message_id FROM agent_messages AS i
                    WHERE i.to_agent = run ->> 0 AND i.priority_rank = (run ->> 1)::smallint
                      AND i.delivery_status IN ('pending', 'claimed', 'retrying')
                    ORDER BY i.message_id
                    LIMIT cardinality(wanted)))
              AND h.delivery_status IN ('pending', 'claimed', 'retrying')
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
        taken := taken || wanted;
    END LOOP;
    IF cardinality(taken) > 0 THEN
        RETURN QUERY
        UPDATE agent_messages
        SET delivery_status = 'claimed',
            lease_expires_at = now() + lease_seconds * interval '1 second',
            claim_token = token, claimed_by = taker
        WHERE message_id = ANY (taken)
        RETURNING *;
    END IF;
END
$$;
