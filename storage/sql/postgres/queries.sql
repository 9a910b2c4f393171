-- The PostgreSQL side of the queries that differ between dialects (the shared ones
-- are in ../queries.sql): times from the server's clock (now()), JSON lists (jsonb),
-- the catalog, advisory locks, LISTEN/NOTIFY and the server's own sizes. Casts
-- (:x::text) tell the server a parameter's type where nothing else does.

-- ---------------------------------------------------------------- schema

-- name: schema_state
-- In one snapshot: whether the migrations table is there, and how many tables exist at all.
SELECT
    (SELECT count(*) FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_name = 'schema_migrations') AS present,
    (SELECT count(*) FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE') AS tables;

-- name: lock_migrations
-- One migrating process at a time; the others wait here, then find the work done.
SELECT pg_advisory_xact_lock(7355609) AS locked;

-- name: list_tables
-- Every table with its CHECK constraints (PostgreSQL keeps no CREATE text). A column whose
-- type is a domain (agent_messages, migration 0017) has its CHECK there, shown as the
-- column's own. The search index's tables are machinery beside the contract, as SQLite's
-- FTS5 tables are there.
SELECT c.relname AS name, coalesce(string_agg(k.def, ' ' ORDER BY k.name, k.def), '') AS sql
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = current_schema()
LEFT JOIN LATERAL (
    SELECT con.conname AS name, pg_get_constraintdef(con.oid) AS def
    FROM pg_constraint AS con
    WHERE con.conrelid = c.oid AND con.contype = 'c'
    UNION ALL
    SELECT con.conname, regexp_replace(pg_get_constraintdef(con.oid), '\mVALUE\M', a.attname, 'g')
    FROM pg_attribute AS a
    JOIN pg_constraint AS con ON con.contypid = a.atttypid AND con.contype = 'c'
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
) AS k ON true
WHERE c.relkind = 'r' AND c.relname NOT IN ('agent_messages_search', 'agent_messages_search_queue')
GROUP BY c.relname
ORDER BY c.relname;

-- name: list_indexes
-- Every named index with the table it belongs to (primary keys left out, as in SQLite).
SELECT indexname AS name, tablename AS table_name, indexdef AS sql FROM pg_indexes
WHERE schemaname = current_schema() AND indexname NOT LIKE '%\_pkey'
ORDER BY indexname;

-- ---------------------------------------------------------------- changes

-- name: write_position
-- A value that moves whenever anyone commits (a watching face compares readings).
SELECT pg_current_wal_lsn()::text AS position;

-- ---------------------------------------------------------------- agent_workspaces

-- name: upsert_workspace
-- Register an agent from the config, keeping everything the agent reported itself.
INSERT INTO agent_workspaces (agent_id, team, specialization, captain, transport, host, configured)
VALUES (:agent_id, :team, :specialization, :captain, :transport, :host, TRUE)
ON CONFLICT (agent_id) DO UPDATE SET
    team = excluded.team,
    specialization = excluded.specialization,
    captain = excluded.captain,
    transport = excluded.transport,
    host = excluded.host,
    configured = TRUE,
    last_updated = now();

-- name: mark_workspace_removed
-- Keep an agent that left the config (its messages refer to it) but mark it.
UPDATE agent_workspaces SET configured = FALSE, last_updated = now()
WHERE agent_id = :agent_id AND configured;

-- name: set_v2_compliance
-- Record an agent's compliance score from its latest audit.
UPDATE agent_workspaces SET v2_compliance = :score, last_updated = now()
WHERE agent_id = :agent_id;

-- ---------------------------------------------------------------- agent_messages: sending and reading

-- name: newest_message_id
-- Serialise senders (the message-id lock, held until the commit), then the newest id read
-- after it, in a snapshot of its own: new ids are made greater, so they increase in commit
-- order (migration 0006; `send_messages` takes the same lock the same way).
SELECT swarmbus_newest_message_id() AS message_id;

-- name: find_idempotent
-- Messages a sender already stored under any of the given keys, with what they asked for.
SELECT message_id, idempotency_key, to_agent, content FROM agent_messages
WHERE from_agent = :from_agent
  AND idempotency_key = ANY (ARRAY(SELECT jsonb_array_elements_text(:keys::jsonb)));

-- name: insert_message
-- Store one new message, ready at once (or already delivered, for a person who reads it
-- through a face); times, the expiry and the ack deadline come from the server's clock.
INSERT INTO agent_messages (
    message_id, from_agent, to_agent, priority, tags, content, sent_at, created_at,
    status, delivery_method, delivery_status, processed_at, max_retries,
    coordinate_validation_status, available_at, idempotency_key, broadcast_id, expires_at,
    thread_id, reply_to, subject, ack_required, ack_due_at
) VALUES (
    :message_id, :from_agent, :to_agent, :priority, :tags, :content, now(), now(),
    :status::text, :delivery_method, :status::text,
    CASE WHEN :status::text = 'delivered' THEN now() END, :max_retries,
    :coordinate_validation_status, now(), :idempotency_key, :broadcast_id,
    now() + :expires_in::float8 * interval '1 second',
    :thread_id, :reply_to, :subject, :ack_required::boolean,
    now() + :ack_within::float8 * interval '1 second'
);

-- name: send_messages
-- A send without idempotency keys in one statement, its own transaction and one round
-- trip: the message-id lock and the newest id read after it (migration 0006), the rows
-- (a JSON list of `insert_message`'s parameters) when the first new id is above the
-- newest, and the wake-up, delivered at commit: naming the message's lane and id when it
-- is the only one. When it is not (another host's clock runs ahead), nothing is stored
-- and `newest` tells the caller which id to go above.
WITH newest AS MATERIALIZED (SELECT swarmbus_newest_message_id() AS message_id),
stored AS (
    INSERT INTO agent_messages (
        message_id, from_agent, to_agent, priority, tags, content, sent_at, created_at,
        status, delivery_method, delivery_status, processed_at, max_retries,
        coordinate_validation_status, available_at, idempotency_key, broadcast_id,
        expires_at, thread_id, reply_to, subject, ack_required, ack_due_at
    )
    SELECT r.message_id, r.from_agent, r.to_agent, r.priority, r.tags::jsonb, r.content,
           now(), now(), r.status, r.delivery_method, r.status,
           CASE WHEN r.status = 'delivered' THEN now() END, r.max_retries,
           r.coordinate_validation_status, now(), NULL, r.broadcast_id,
           now() + r.expires_in * interval '1 second',
           r.thread_id, r.reply_to, r.subject, r.ack_required,
           now() + r.ack_within * interval '1 second'
    FROM jsonb_to_recordset(:rows::jsonb) AS r(
        message_id text, from_agent text, to_agent text, priority text, tags text,
        content text, status text, delivery_method text, max_retries integer,
        coordinate_validation_status text, broadcast_id text, expires_in float8,
        thread_id text, reply_to text, subject text, ack_required boolean, ack_within float8
    )
    WHERE :first_id::text > coalesce((SELECT message_id FROM newest), '')
    RETURNING to_agent, priority_rank, message_id
),
announced AS (  -- one message alone is named, lane and id (storage/announcements.py)
    SELECT pg_notify('swarmbus_messages', CASE WHEN count(*) = 1 THEN json_build_array(
               min(s.to_agent), min(s.priority_rank), min(s.message_id))::text ELSE '' END)
    FROM stored AS s
    HAVING count(*) > 0
)
SELECT (SELECT message_id FROM newest) AS newest, (SELECT count(*) FROM stored) AS stored,
       (SELECT count(*) FROM announced) AS announced;

-- name: announce_messages
-- Wake listening dispatchers; PostgreSQL delivers the notification when this commits.
SELECT pg_notify('swarmbus_messages', '') AS announced;

-- name: get_messages
-- Several messages by id.
SELECT * FROM agent_messages
WHERE message_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:message_ids::jsonb)));

-- name: recent_deliveries
-- The latest delivered messages.
SELECT * FROM agent_messages
WHERE delivery_status = 'delivered' AND processed_at IS NOT NULL
ORDER BY processed_at DESC LIMIT :limit;

-- ---------------------------------------------------------------- agent_messages: claiming and settling

-- name: lane_heads
-- For each given (recipient, priority rank) lane, its first :per_lane messages in play,
-- with the server's clock (leases and backoffs are judged by it, never by a host's). No
-- row locks: locking rows writes them (and so a commit that waits for the disk), which
-- a claim that finds nothing ready does not need. A row another dispatcher holds shows
-- here as it was last committed; `claim_runs` then locks the runs and leaves such a
-- lane alone. A lane's first ids come from the lane index alone (only rows in play are
-- in it), then each row by primary key: asked for whole rows in id order, the planner
-- walked the primary key past every delivered row below the lane's head (migration 0015).
SELECT a.message_id, a.to_agent, a.priority_rank, a.delivery_status, a.available_at,
       a.lease_expires_at, now() AS db_now
FROM jsonb_array_elements(:lanes::jsonb) AS lane
CROSS JOIN LATERAL (
    SELECT h.message_id FROM agent_messages AS h
    WHERE h.to_agent = lane ->> 0 AND h.priority_rank = (lane ->> 1)::smallint
      AND h.delivery_status IN ('pending', 'claimed', 'retrying')
    ORDER BY h.message_id
    LIMIT :per_lane
) AS head
JOIN agent_messages AS a ON a.message_id = head.message_id;

-- name: claim_messages
-- Take the chosen messages under a lease; the token makes later updates conditional.
-- The update of the claim's transaction path (`_claim_within`), which SQLite takes;
-- PostgreSQL claims through `claim_runs`, and keeps this one so that every query name
-- the shared claim code uses resolves in both dialects (tests/unit/test_query_sources).
UPDATE agent_messages
SET delivery_status = 'claimed',
    lease_expires_at = now() + :lease_seconds::float8 * interval '1 second',
    claim_token = :claim_token, claimed_by = :claimed_by
WHERE message_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:message_ids::jsonb)))
RETURNING *;

-- name: claim_runs
-- The claim in one statement (migration 0008): each lane's run, given as a JSON list of
-- [recipient, priority rank, [ids]] read by `lane_heads`, taken under a lease if
-- it is still the lane's ready head; a lane that changed in between is left alone.
-- All runs are checked and taken by one query, with one plan kept (migration 0016).
SELECT * FROM swarmbus_claim_runs(
    :runs::jsonb, :lease_seconds::float8, :claim_token, :claimed_by
);

-- name: renew_leases
-- Extend the leases of held messages, given as a JSON list of [id, claim token];
-- returns the ids still held (a missing one was taken over by another dispatcher).
UPDATE agent_messages AS m SET lease_expires_at = now() + :lease_seconds::float8 * interval '1 second'
FROM jsonb_array_elements(:holds::jsonb) AS h
WHERE m.message_id = ANY (ARRAY(SELECT jsonb_array_elements(:holds::jsonb) ->> 0))
  AND m.message_id = h.value ->> 0 AND m.claim_token = h.value ->> 1
RETURNING m.message_id;

-- name: begin_attempt
-- Before a non-idempotent delivery touches the screen: mark the attempt as started and
-- extend the lease, only if this claim still holds the message (no row: the lease was lost).
UPDATE agent_messages
SET attempt_started_at = now(), attempt_by = :claimed_by, attempt_token = :claim_token,
    lease_expires_at = now() + :lease_seconds::float8 * interval '1 second'
WHERE message_id = :message_id AND claim_token = :claim_token
RETURNING message_id;

-- name: hold_uncertain
-- Dead-letter a message whose earlier attempt was interrupted (the agent's on_uncertain =
-- "hold"): a person decides whether to retry it. The attempt mark stays, as evidence.
UPDATE agent_messages
SET delivery_status = 'failed', status = 'failed', processed_at = now(),
    last_error = :last_error, lease_expires_at = NULL, claim_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token
RETURNING message_id;

-- name: mark_delivered
-- Record successful deliveries given as a JSON list of outcomes, only where this
-- claim still holds the message; returns the ids that were recorded. Not :durable:
-- the commit does not wait for the disk (migration 0009).
SELECT swarmbus_mark_delivered(:outcomes::jsonb, :durable::boolean) AS message_id;

-- name: mark_delivered_keeping_coordinates
-- `mark_delivered` for outcomes without coordinates: the same call (each update writes a
-- whole new row version here, with or without the column; SQLite's saves a page).
SELECT swarmbus_mark_delivered(:outcomes::jsonb, :durable::boolean) AS message_id;

-- name: record_failure
-- Count a failed attempt: back off and retry, or dead-letter after max_retries.
UPDATE agent_messages
SET retry_count = retry_count + 1,
    last_error = :last_error,
    delivery_status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'retrying' END,
    status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'pending' END,
    processed_at = CASE WHEN retry_count + 1 > max_retries THEN now() END,
    available_at = now() + :retry_delay::float8 * interval '1 second',
    pyautogui_coordinates = coalesce(:pyautogui_coordinates::jsonb, pyautogui_coordinates),
    coordinate_validation_status = coalesce(:coordinate_validation_status::text,
                                            coordinate_validation_status),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token AND delivery_status = 'claimed'
RETURNING message_id, delivery_status, retry_count;

-- name: mark_expired
-- A claimed message whose expiry passed is closed as expired, not delivered.
UPDATE agent_messages
SET delivery_status = 'expired', status = 'expired', processed_at = now(),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token AND delivery_status = 'claimed';

-- name: expire_waiting
-- Close every waiting message whose expiry has passed.
UPDATE agent_messages
SET delivery_status = 'expired', status = 'expired', processed_at = now()
WHERE delivery_status IN ('pending', 'retrying')
  AND expires_at IS NOT NULL AND expires_at <= now();

-- name: release_claims
-- Hand claimed messages back untouched (shutdown, or a lane stopped early). An attempt
-- mark stays only on the ids in :touched (a paste cut off after the screen was touched).
UPDATE agent_messages AS m
SET delivery_status = CASE WHEN m.retry_count > 0 THEN 'retrying' ELSE 'pending' END,
    lease_expires_at = NULL, claim_token = NULL, claimed_by = NULL,
    attempt_started_at = CASE WHEN r.touched THEN m.attempt_started_at END,
    attempt_by = CASE WHEN r.touched THEN m.attempt_by END,
    attempt_token = CASE WHEN r.touched THEN m.attempt_token END
FROM (
    SELECT id, id IN (SELECT jsonb_array_elements_text(:touched::jsonb)) AS touched
    FROM jsonb_array_elements_text(:message_ids::jsonb) AS id
) AS r
WHERE m.message_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:message_ids::jsonb)))
  AND m.message_id = r.id AND m.claim_token = :claim_token;

-- name: requeue_message
-- Give a dead letter a fresh set of attempts, noting who asked (NULL: not said).
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = now(),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL,
    requeued_by = :requeued_by, requeued_at = now()
WHERE message_id = :message_id AND delivery_status = 'failed';

-- name: requeue_all_failed
-- Give every dead letter (optionally of one recipient) a fresh set of attempts, noting who
-- asked.
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = now(),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL,
    requeued_by = :requeued_by, requeued_at = now()
WHERE delivery_status = 'failed' AND (:to_agent::text IS NULL OR to_agent = :to_agent)
RETURNING message_id;

-- ---------------------------------------------------------------- agent_messages: conversations

-- name: mark_read
-- Note the recipient's first opening of the given messages (a JSON list of ids); returns
-- the ids read for the first time.
UPDATE agent_messages SET read_at = now()
WHERE message_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:message_ids::jsonb)))
  AND to_agent = :agent AND read_at IS NULL
RETURNING message_id, read_at;

-- name: ack_message
-- The recipient acknowledges a message (reading it, if it had not); only once.
UPDATE agent_messages
SET acked_at = now(), ack_note = :note::text, read_at = coalesce(read_at, now())
WHERE message_id = :message_id AND to_agent = :agent AND acked_at IS NULL
RETURNING *;

-- name: overdue_acks
-- Required acks whose deadline passed by the server's clock (of one recipient, if given),
-- most overdue first; an expired message owes none.
SELECT * FROM agent_messages
WHERE ack_required AND acked_at IS NULL AND ack_due_at <= now()
  AND delivery_status <> 'expired'
  AND (:agent::text IS NULL OR to_agent = :agent)
ORDER BY ack_due_at, message_id
LIMIT :limit;

-- name: overdue_counts
-- Overdue acks per recipient.
SELECT to_agent, count(*) AS n FROM agent_messages
WHERE ack_required AND acked_at IS NULL AND ack_due_at <= now()
  AND delivery_status <> 'expired'
GROUP BY to_agent;

-- name: claim_overdue_alerts
-- Take the overdue acks nobody alerted about yet, marking them alerted in the same statement,
-- so each is announced once however many bots watch (rows another bot holds are skipped;
-- the outer test sees its commit).
UPDATE agent_messages SET overdue_alerted_at = now()
WHERE message_id IN (
    SELECT message_id FROM agent_messages
    WHERE ack_required AND acked_at IS NULL AND ack_due_at <= now()
      AND delivery_status <> 'expired' AND overdue_alerted_at IS NULL
    ORDER BY ack_due_at, message_id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
  AND overdue_alerted_at IS NULL AND acked_at IS NULL
RETURNING *;

-- ---------------------------------------------------------------- agent_messages: search

-- name: search_messages
-- Full-text search: the user's text (:query) as a literal, case-insensitive substring of
-- subject or body (inside an ILIKE pattern with its % _ and \ escaped, so no character is
-- syntax). The newest :candidates matches (after the filters) are ranked, best first
-- (ts_rank of the words, the subject weighing more, then how often the text occurs), with
-- ts_headline's snippet between :open and :close. A GIN index cannot hand out matches
-- newest first, and a common word matches most rows, so the newest :window messages are
-- looked at first; only when they hold fewer than :candidates matches (then the text is
-- rare) do the pg_trgm indexes find the matches in the whole history
-- (`swarmbus_search_everywhere`, migration 0010).
WITH in_window AS MATERIALIZED (
    SELECT m.message_id
    FROM (SELECT * FROM agent_messages ORDER BY message_id DESC LIMIT :window) AS m
    WHERE (m.subject ILIKE ('%' || replace(replace(replace(:query::text, '\', '\\'), '%', '\%'), '_', '\_') || '%')
           OR m.content ILIKE ('%' || replace(replace(replace(:query::text, '\', '\\'), '%', '\%'), '_', '\_') || '%'))
      AND (:agent::text IS NULL OR m.to_agent = :agent OR m.from_agent = :agent)
      AND (:from_agent::text IS NULL OR m.from_agent = :from_agent)
      AND (m.sent_at >= :since::timestamptz OR :since::timestamptz IS NULL)
      AND (:thread_id::text IS NULL OR m.thread_id = :thread_id)
      AND (:status::text IS NULL OR m.delivery_status = :status)
    ORDER BY m.message_id DESC
    LIMIT :candidates
),
everywhere AS MATERIALIZED (
    SELECT e.message_id
    FROM swarmbus_search_everywhere(
        '%' || replace(replace(replace(:query::text, '\', '\\'), '%', '\%'), '_', '\_') || '%',
        :agent::text, :from_agent::text, :since::timestamptz, :thread_id::text, :status::text,
        :candidates::integer
    ) AS e (message_id)
    WHERE (SELECT count(*) FROM in_window) < :candidates
),
recent AS (
    SELECT message_id FROM in_window WHERE (SELECT count(*) FROM in_window) >= :candidates
    UNION ALL
    SELECT message_id FROM everywhere
)
SELECT r.*, ts_headline('simple', coalesce(r.subject || ' · ', '') || r.content,
                        phraseto_tsquery('simple', :query::text),
                        'MaxFragments=1, MaxWords=16, MinWords=6, StartSel=' || :open::text
                        || ', StopSel=' || :close::text) AS snippet
FROM (
    SELECT m.*,
           -- a look-up by key per candidate: joined, the planner hashes the whole table
           ts_rank((SELECT t.search_vector FROM agent_messages_search AS t
                    WHERE t.message_id = m.message_id),
                   phraseto_tsquery('simple', :query::text), 1) AS score,
           (length(m.content) - length(replace(lower(m.content), lower(:query::text), '')))
               / greatest(length(:query::text), 1) AS occurrences
    FROM agent_messages AS m
    JOIN recent USING (message_id)
    ORDER BY score DESC, occurrences DESC, m.message_id DESC
    LIMIT :limit
) AS r
ORDER BY r.score DESC, r.occurrences DESC, r.message_id DESC;

-- name: scan_messages
-- A literal scan of the latest :window messages, newest first, for text too short for the
-- index (under three characters): :query inside an ILIKE pattern, its % _ and \ escaped.
SELECT m.*, 0.0::float8 AS score, NULL::text AS snippet
FROM (SELECT * FROM agent_messages ORDER BY message_id DESC LIMIT :window) AS m
WHERE (m.subject ILIKE ('%' || replace(replace(replace(:query::text, '\', '\\'), '%', '\%'), '_', '\_') || '%')
       OR m.content ILIKE ('%' || replace(replace(replace(:query::text, '\', '\\'), '%', '\%'), '_', '\_') || '%'))
  AND (:agent::text IS NULL OR m.to_agent = :agent OR m.from_agent = :agent)
  AND (:from_agent::text IS NULL OR m.from_agent = :from_agent)
  AND (m.sent_at >= :since::timestamptz OR :since::timestamptz IS NULL)
  AND (:thread_id::text IS NULL OR m.thread_id = :thread_id)
  AND (:status::text IS NULL OR m.delivery_status = :status)
ORDER BY m.message_id DESC
LIMIT :limit;

-- name: search_backlog
-- Whether stored messages wait to be indexed (migration 0013 queues them at send).
SELECT EXISTS (SELECT 1 FROM agent_messages_search_queue) AS waiting;

-- name: index_backlog
-- Index the next :batch queued messages and take them off the queue; the status counts
-- the ids taken, so a queued message deleted meanwhile (joined to nothing) still counts
-- and the caller goes on while the queue had a full batch. The row locks (no SKIP
-- LOCKED) make a second catch-up wait for the first, so a search after it finds them.
WITH taken AS (
    DELETE FROM agent_messages_search_queue
    WHERE message_id IN (
        SELECT message_id FROM agent_messages_search_queue
        ORDER BY message_id LIMIT :batch FOR UPDATE
    )
    RETURNING message_id
),
indexed AS (
    INSERT INTO agent_messages_search (
        message_id, subject, content, from_agent, to_agent, sent_at, thread_id
    )
    SELECT m.message_id, m.subject, m.content, m.from_agent, m.to_agent, m.sent_at, m.thread_id
    FROM agent_messages AS m JOIN taken AS t ON t.message_id = m.message_id
    ON CONFLICT (message_id) DO NOTHING
    RETURNING 1
)
SELECT message_id FROM taken;

-- name: merge_search_pending
-- Move the entries new messages left in the trigram indexes' pending lists into the
-- indexes proper (GIN's fast update appends there, and every search reads the whole list:
-- with 20,000 messages' worth pending, the planner scanned the search table instead, 36 ms
-- against 0.07 ms for a missing word once merged). A running dispatcher calls it every
-- second; autovacuum does it too, later. With nothing pending it only reads a page.
SELECT gin_clean_pending_list('idx_search_content')
       + gin_clean_pending_list('idx_search_subject') AS merged;

-- name: search_index_size
-- Documents in the search index (agent_messages_search, migration 0010) and the bytes of
-- its trigram indexes.
SELECT (SELECT count(*) FROM agent_messages_search) AS documents,
       pg_relation_size('idx_search_content') + pg_relation_size('idx_search_subject') AS bytes;

-- ---------------------------------------------------------------- core_systems_status

-- name: lock_systems
-- One process at a time picks a system name: the rows it looks at may not exist yet.
SELECT pg_advisory_xact_lock(7355610) AS locked;

-- ---------------------------------------------------------------- file_reservations

-- name: lock_project_reservations
-- Serialise grants of one project across connections and hosts, until this transaction ends.
SELECT pg_advisory_xact_lock(7355611, hashtext(:project::text)) AS locked;

-- name: project_reservations
-- The live reservations of one project (neither released nor expired, by the server's clock).
SELECT * FROM file_reservations
WHERE project = :project AND released_at IS NULL AND expires_at > now()
ORDER BY expires_at, reservation_id;

-- name: live_reservations
-- Live reservations, of one project and one agent if given, expiring soonest first.
SELECT * FROM file_reservations
WHERE released_at IS NULL AND expires_at > now()
  AND (:project::text IS NULL OR project = :project)
  AND (:agent_id::text IS NULL OR agent_id = :agent_id)
ORDER BY expires_at, reservation_id
LIMIT :limit;

-- name: count_live_reservations
-- How many reservations are live, and how many of them are exclusive.
SELECT count(*) AS live, count(*) FILTER (WHERE exclusive) AS exclusive FROM file_reservations
WHERE released_at IS NULL AND expires_at > now();

-- name: guard_holds
-- For the commit hook: the live exclusive reservations of a project held by anyone but
-- the committing agent.
SELECT agent_id, pattern, reason, expires_at FROM file_reservations
WHERE project = :project AND released_at IS NULL AND expires_at > now()
  AND exclusive AND agent_id <> :agent_id;

-- name: insert_reservation
-- Grant one reservation for :ttl seconds from the server's clock.
INSERT INTO file_reservations (
    reservation_id, agent_id, project, pattern, exclusive, reason, created_at, expires_at
) VALUES (
    :reservation_id, :agent_id, :project, :pattern, :exclusive::boolean, :reason, now(),
    now() + :ttl::float8 * interval '1 second'
)
RETURNING *;

-- name: refresh_reservation
-- The holder asks again for a pattern it holds: new kind, reason and expiry, same row.
UPDATE file_reservations
SET exclusive = :exclusive::boolean, reason = :reason,
    expires_at = now() + :ttl::float8 * interval '1 second'
WHERE reservation_id = :reservation_id AND released_at IS NULL AND expires_at > now()
RETURNING *;

-- name: renew_reservations
-- Extend live reservations, given as a JSON list of ids, to :ttl seconds from now.
UPDATE file_reservations
SET expires_at = now() + :ttl::float8 * interval '1 second'
WHERE reservation_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:reservation_ids::jsonb)))
  AND released_at IS NULL AND expires_at > now()
RETURNING *;

-- name: release_reservations
-- Release live reservations, given as a JSON list of ids; a force release says who and why.
UPDATE file_reservations
SET released_at = now(), released_by = :released_by::text,
    release_reason = :release_reason::text
WHERE reservation_id = ANY (ARRAY(SELECT jsonb_array_elements_text(:reservation_ids::jsonb)))
  AND released_at IS NULL AND expires_at > now()
RETURNING *;

-- ---------------------------------------------------------------- operations: inspection

-- name: integrity_check
-- PostgreSQL checks pages itself (and checksums, when enabled): nothing to ask.
SELECT 'ok' AS integrity_check;

-- name: foreign_key_check
-- PostgreSQL enforces every foreign key at commit: no row can point nowhere.
SELECT NULL::text AS "table", NULL::bigint AS rowid, NULL::text AS parent WHERE FALSE;

-- name: journal_mode
-- PostgreSQL always writes ahead of its data files.
SELECT 'wal' AS journal_mode;

-- name: database_size
-- Bytes the database takes on the server.
SELECT pg_database_size(current_database()) AS size_bytes;

-- name: page_stats
-- The database's size in pages; PostgreSQL reuses free space itself (autovacuum).
SELECT pg_database_size(current_database()) / current_setting('block_size')::bigint
           AS page_count,
       0 AS freelist_count, current_setting('block_size')::bigint AS page_size;

-- name: has_statistics
-- Whether the planner has statistics for the message table.
SELECT count(*) AS n FROM pg_stats
WHERE schemaname = current_schema() AND tablename = 'agent_messages';

-- name: list_columns
-- The columns of one table in order, and which the database generates (`db copy`).
SELECT column_name AS name, is_generated <> 'NEVER' AS generated
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = :table
ORDER BY ordinal_position;

-- ---------------------------------------------------------------- operations: maintenance

-- name: reindex
-- Rebuild every index of the schema.
REINDEX SCHEMA public;

-- name: temp_files_on_disk
-- The server places VACUUM's work itself; nothing to do.
SELECT 0 AS done;

-- name: temp_files_in_memory
-- The server places temporary files itself; nothing to do.
SELECT 0 AS done;

-- name: wal_checkpoint
-- PostgreSQL checkpoints on its own; nothing to do.
SELECT 0 AS busy, 0 AS log, 0 AS checkpointed;
