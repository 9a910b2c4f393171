-- The SQLite side of the queries that differ between dialects (the shared ones are
-- in ../queries.sql): times from the database's clock (strftime(..., 'now')), JSON lists
-- (json_each), the catalog (sqlite_master, PRAGMA), locks (BEGIN IMMEDIATE already
-- holds the write lock), and the file-level steps of a backup.

-- ---------------------------------------------------------------- schema

-- name: schema_state
-- In one snapshot: whether the migrations table is there, and how many tables exist at all.
SELECT
    (SELECT count(*) FROM sqlite_master
     WHERE type = 'table' AND name = 'schema_migrations') AS present,
    (SELECT count(*) FROM sqlite_master
     WHERE type = 'table' AND name NOT LIKE 'sqlite_%') AS tables;

-- name: lock_migrations
-- One migrating process at a time (BEGIN IMMEDIATE already holds the write lock).
SELECT 1 AS locked;

-- name: list_tables
-- Every ordinary table with its CREATE statement (the search index's virtual table and its
-- shadow tables are SQLite's machinery, not tables of the contract).
SELECT m.name, m.sql FROM sqlite_master AS m
JOIN pragma_table_list AS t ON t.name = m.name AND t.schema = 'main' AND t.type = 'table'
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name;

-- name: list_indexes
-- Every named index with the table it belongs to.
SELECT name, tbl_name AS table_name, sql FROM sqlite_master
WHERE type = 'index' AND sql IS NOT NULL ORDER BY name;

-- ---------------------------------------------------------------- changes

-- name: write_position
-- A value that moves whenever anyone commits (a watching face compares readings).
PRAGMA data_version;

-- ---------------------------------------------------------------- agent_workspaces

-- name: upsert_workspace
-- Register an agent from the config, keeping everything the agent reported itself.
INSERT INTO agent_workspaces (agent_id, team, specialization, captain, transport, host, configured)
VALUES (:agent_id, :team, :specialization, :captain, :transport, :host, 1)
ON CONFLICT (agent_id) DO UPDATE SET
    team = excluded.team,
    specialization = excluded.specialization,
    captain = excluded.captain,
    transport = excluded.transport,
    host = excluded.host,
    configured = 1,
    last_updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: mark_workspace_removed
-- Keep an agent that left the config (its messages refer to it) but mark it.
UPDATE agent_workspaces
SET configured = 0, last_updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE agent_id = :agent_id AND configured = 1;

-- name: set_v2_compliance
-- Record an agent's compliance score from its latest audit.
UPDATE agent_workspaces
SET v2_compliance = :score, last_updated = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE agent_id = :agent_id;

-- ---------------------------------------------------------------- agent_messages: sending and reading

-- name: newest_message_id
-- The newest id; new ids are made greater, so id order is commit order. BEGIN IMMEDIATE
-- already serialised senders: nothing more to lock here.
SELECT max(message_id) AS message_id FROM agent_messages;

-- name: find_idempotent
-- Messages a sender already stored under any of the given keys, with what they asked for.
SELECT message_id, idempotency_key, to_agent, content FROM agent_messages
WHERE from_agent = :from_agent
  AND idempotency_key IN (SELECT value FROM json_each(:keys));

-- name: insert_message
-- Store one new message, ready at once (or already delivered, for a person who reads it
-- through a face); times, the expiry and the ack deadline come from the database's clock.
INSERT INTO agent_messages (
    message_id, from_agent, to_agent, priority, tags, content, sent_at, created_at,
    status, delivery_method, delivery_status, processed_at, max_retries,
    coordinate_validation_status, available_at, idempotency_key, broadcast_id, expires_at,
    thread_id, reply_to, subject, ack_required, ack_due_at
) SELECT
    :message_id, :from_agent, :to_agent, :priority, :tags, :content, t.now, t.now,
    :status, :delivery_method, :status,
    CASE WHEN :status = 'delivered' THEN t.now END, :max_retries,
    :coordinate_validation_status, t.now, :idempotency_key, :broadcast_id,
    CASE WHEN :expires_in IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :expires_in)) END,
    :thread_id, :reply_to, :subject, :ack_required,
    CASE WHEN :ack_within IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :ack_within)) END
FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now) AS t;

-- name: get_messages
-- Several messages by id.
SELECT * FROM agent_messages WHERE message_id IN (SELECT value FROM json_each(:message_ids));

-- name: recent_deliveries
-- The latest delivered messages: read from the newest end of idx_message_processed_at
-- (`+` keeps the planner off idx_message_status, through which it sorted every delivered
-- message: 30 ms at 100,000).
SELECT * FROM agent_messages
WHERE +delivery_status = 'delivered' AND processed_at IS NOT NULL
ORDER BY processed_at DESC LIMIT :limit;

-- ---------------------------------------------------------------- agent_messages: claiming and settling

-- name: lane_heads
-- For each given (recipient, priority rank) lane, its first :per_lane messages still in
-- play, with the database's clock (leases and backoffs are judged by it, never the host's).
-- CROSS JOIN keeps the lanes as the outer loop: with statistics of a small table (a few
-- hundred rows) the planner otherwise scanned all of agent_messages once per lane, and
-- a claim on a near-empty table cost ten times one on a table of 100,000.
SELECT m.message_id, m.to_agent, m.priority_rank, m.delivery_status, m.available_at,
       m.lease_expires_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS db_now
FROM json_each(:lanes) AS lane
CROSS JOIN agent_messages AS m ON m.message_id IN (
    SELECT message_id FROM agent_messages
    WHERE to_agent = json_extract(lane.value, '$[0]')
      AND priority_rank = json_extract(lane.value, '$[1]')
      AND delivery_status IN ('pending', 'claimed', 'retrying')
    ORDER BY message_id
    LIMIT :per_lane
);

-- name: claim_messages
-- Take the chosen messages under a lease; the token makes later updates conditional.
UPDATE agent_messages
SET delivery_status = 'claimed',
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :lease_seconds)),
    claim_token = :claim_token, claimed_by = :claimed_by
WHERE message_id IN (SELECT value FROM json_each(:message_ids))
RETURNING *;

-- name: claim_runs
-- Take runs of announced messages, given as a JSON list of [recipient, priority rank,
-- [ids]], without reading the lanes first (`ClaimRepository.claim_announced`): a run only
-- if its ids are its lane's first messages in play, every one of them due (a backoff
-- over, or a lease run out). An UPDATE takes the write lock before it reads anything, so
-- no other writer changes a lane between the checks and the take, in a transaction or not.
UPDATE agent_messages
SET delivery_status = 'claimed',
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :lease_seconds)),
    claim_token = :claim_token, claimed_by = :claimed_by
WHERE message_id IN (
    SELECT i.value FROM json_each(:runs) AS run, json_each(run.value, '$[2]') AS i
    WHERE (SELECT count(*) FROM json_each(run.value, '$[2]') AS k
           CROSS JOIN agent_messages AS d ON d.message_id = k.value  -- each by its key
           WHERE d.to_agent = json_extract(run.value, '$[0]')
             AND d.priority_rank = json_extract(run.value, '$[1]')
             AND d.delivery_status IN ('pending', 'claimed', 'retrying')
             AND CASE WHEN d.delivery_status = 'claimed' THEN d.lease_expires_at
                      ELSE d.available_at END <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          ) = json_array_length(run.value, '$[2]')
      -- and nothing else of the lane in play before the run's last: its first are the run
      AND NOT EXISTS (
          SELECT 1 FROM agent_messages AS h
          WHERE h.to_agent = json_extract(run.value, '$[0]')
            AND h.priority_rank = json_extract(run.value, '$[1]')
            AND h.delivery_status IN ('pending', 'claimed', 'retrying')
            AND h.message_id < (SELECT max(k.value) FROM json_each(run.value, '$[2]') AS k)
            AND h.message_id NOT IN (SELECT k.value FROM json_each(run.value, '$[2]') AS k)
      )
)
RETURNING *;

-- name: renew_leases
-- Extend the leases of held messages, given as a JSON list of [id, claim token];
-- returns the ids still held (a missing one was taken over by another dispatcher).
UPDATE agent_messages SET lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :lease_seconds))
FROM (
    SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS token
    FROM json_each(:holds)
) AS h
WHERE agent_messages.message_id = h.id AND agent_messages.claim_token = h.token
RETURNING agent_messages.message_id;

-- name: begin_attempt
-- Before a non-idempotent delivery touches the screen: mark the attempt as started and
-- extend the lease, only if this claim still holds the message (no row: the lease was lost).
UPDATE agent_messages
SET attempt_started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), attempt_by = :claimed_by, attempt_token = :claim_token,
    lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :lease_seconds))
WHERE message_id = :message_id AND claim_token = :claim_token
RETURNING message_id;

-- name: hold_uncertain
-- Dead-letter a message whose earlier attempt was interrupted (the agent's on_uncertain =
-- "hold"): a person decides whether to retry it. The attempt mark stays, as evidence.
UPDATE agent_messages
SET delivery_status = 'failed', status = 'failed', processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    last_error = :last_error, lease_expires_at = NULL, claim_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token
RETURNING message_id;

-- name: mark_delivered
-- Record successful deliveries given as a JSON list of outcomes, only where this
-- claim still holds the message; returns the ids that were recorded.
UPDATE agent_messages
SET delivery_status = 'delivered', status = 'delivered', processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    delivery_time_ms = o.ms,
    delivery_method = coalesce(o.method, agent_messages.delivery_method),
    pyautogui_coordinates = coalesce(o.coordinates, agent_messages.pyautogui_coordinates),
    coordinate_validation_status = coalesce(o.cvs, agent_messages.coordinate_validation_status),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
FROM (
    SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.token') AS token,
           json_extract(value, '$.ms') AS ms, json_extract(value, '$.method') AS method,
           json_extract(value, '$.coordinates') AS coordinates,
           json_extract(value, '$.cvs') AS cvs
    FROM json_each(:outcomes)
) AS o
-- claim_token is set exactly while a row is claimed (a CHECK says so), so the
-- token match alone proves the claim still holds; no status test is needed, and
-- without one the planner walks the outcomes and looks rows up by primary key.
WHERE agent_messages.message_id = o.id AND agent_messages.claim_token = o.token
RETURNING agent_messages.message_id;

-- name: mark_delivered_keeping_coordinates
-- `mark_delivered` for outcomes without coordinates (all but the GUI's): the column
-- is not set at all, so SQLite leaves its index alone (a page of log less a message).
UPDATE agent_messages
SET delivery_status = 'delivered', status = 'delivered', processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    delivery_time_ms = o.ms,
    delivery_method = coalesce(o.method, agent_messages.delivery_method),
    coordinate_validation_status = coalesce(o.cvs, agent_messages.coordinate_validation_status),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
FROM (
    SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.token') AS token,
           json_extract(value, '$.ms') AS ms, json_extract(value, '$.method') AS method,
           json_extract(value, '$.cvs') AS cvs
    FROM json_each(:outcomes)
) AS o
-- claim_token is set exactly while a row is claimed (a CHECK says so), so the
-- token match alone proves the claim still holds; no status test is needed, and
-- without one the planner walks the outcomes and looks rows up by primary key.
WHERE agent_messages.message_id = o.id AND agent_messages.claim_token = o.token
RETURNING agent_messages.message_id;

-- name: record_failure
-- Count a failed attempt: back off and retry, or dead-letter after max_retries.
UPDATE agent_messages
SET retry_count = retry_count + 1,
    last_error = :last_error,
    delivery_status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'retrying' END,
    status = CASE WHEN retry_count + 1 > max_retries THEN 'failed' ELSE 'pending' END,
    processed_at = CASE WHEN retry_count + 1 > max_retries THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END,
    available_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :retry_delay)),
    pyautogui_coordinates = coalesce(:pyautogui_coordinates, pyautogui_coordinates),
    coordinate_validation_status = coalesce(:coordinate_validation_status,
                                            coordinate_validation_status),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token AND delivery_status = 'claimed'
RETURNING message_id, delivery_status, retry_count;

-- name: mark_expired
-- A claimed message whose expiry passed is closed as expired, not delivered.
UPDATE agent_messages
SET delivery_status = 'expired', status = 'expired', processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE message_id = :message_id AND claim_token = :claim_token AND delivery_status = 'claimed';

-- name: expire_waiting
-- Close every waiting message whose expiry has passed.
UPDATE agent_messages
SET delivery_status = 'expired', status = 'expired', processed_at = t.now
FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now) AS t
WHERE delivery_status IN ('pending', 'retrying')
  AND expires_at IS NOT NULL AND expires_at <= t.now;

-- name: release_claims
-- Hand claimed messages back untouched (shutdown, or a lane stopped early). An attempt
-- mark stays only on the ids in :touched (a paste cut off after the screen was touched).
UPDATE agent_messages
SET delivery_status = CASE WHEN retry_count > 0 THEN 'retrying' ELSE 'pending' END,
    lease_expires_at = NULL, claim_token = NULL, claimed_by = NULL,
    attempt_started_at = CASE WHEN touched.id IS NULL THEN NULL ELSE attempt_started_at END,
    attempt_by = CASE WHEN touched.id IS NULL THEN NULL ELSE attempt_by END,
    attempt_token = CASE WHEN touched.id IS NULL THEN NULL ELSE attempt_token END
FROM json_each(:message_ids) AS released
LEFT JOIN (SELECT value AS id FROM json_each(:touched)) AS touched ON touched.id = released.value
WHERE agent_messages.message_id = released.value
  AND agent_messages.claim_token = :claim_token;

-- name: requeue_message
-- Give a dead letter a fresh set of attempts, noting who asked (NULL: not said).
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL,
    requeued_by = :requeued_by, requeued_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE message_id = :message_id AND delivery_status = 'failed';

-- name: requeue_all_failed
-- Give every dead letter (optionally of one recipient) a fresh set of attempts, noting who
-- asked.
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL,
    requeued_by = :requeued_by, requeued_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE delivery_status = 'failed' AND (:to_agent IS NULL OR to_agent = :to_agent)
RETURNING message_id;

-- ---------------------------------------------------------------- agent_messages: conversations

-- name: mark_read
-- Note the recipient's first opening of the given messages (a JSON list of ids); returns
-- the ids read for the first time.
UPDATE agent_messages SET read_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE message_id IN (SELECT value FROM json_each(:message_ids))
  AND to_agent = :agent AND read_at IS NULL
RETURNING message_id, read_at;

-- name: ack_message
-- The recipient acknowledges a message (reading it, if it had not); only once.
UPDATE agent_messages
SET acked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ack_note = :note,
    read_at = coalesce(read_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
WHERE message_id = :message_id AND to_agent = :agent AND acked_at IS NULL
RETURNING *;

-- name: overdue_acks
-- Required acks whose deadline passed by the database's clock (of one recipient, if given),
-- most overdue first; an expired message owes none.
SELECT * FROM agent_messages
WHERE ack_required = 1 AND acked_at IS NULL AND ack_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  AND delivery_status <> 'expired'
  AND (CAST(:agent AS TEXT) IS NULL OR to_agent = :agent)
ORDER BY ack_due_at, message_id
LIMIT :limit;

-- name: overdue_counts
-- Overdue acks per recipient. (`+to_agent`: grouping by the bare column lets the planner
-- walk a recipient index over every row, half a second at 100,000 messages, instead of
-- the few entries of the awaited-acks index.)
SELECT to_agent, count(*) AS n FROM agent_messages
WHERE ack_required = 1 AND acked_at IS NULL AND ack_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  AND delivery_status <> 'expired'
GROUP BY +to_agent;

-- name: claim_overdue_alerts
-- Take the overdue acks nobody alerted about yet, marking them alerted in the same statement,
-- so each is announced once however many bots watch.
UPDATE agent_messages SET overdue_alerted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE message_id IN (
    SELECT message_id FROM agent_messages
    WHERE ack_required = 1 AND acked_at IS NULL AND ack_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      AND delivery_status <> 'expired' AND overdue_alerted_at IS NULL
    ORDER BY ack_due_at, message_id
    LIMIT :limit
)
RETURNING *;

-- ---------------------------------------------------------------- agent_messages: search

-- name: search_messages
-- Full-text search: the user's text (:query) as one quoted FTS5 phrase, its own double
-- quotes doubled, so no character is query syntax; under the trigram tokenizer a phrase is a
-- literal, case-insensitive substring. The newest :candidates matches (after the filters)
-- are ranked, best first (bm25, a hit in the subject weighing double), each with a snippet
-- around the hit between :open and :close: ranking every match of a common word would cost
-- as much as the history is long. (FTS5 hands out matches newest first and stops at
-- :candidates by itself; PostgreSQL's query also takes a :window for that.)
WITH recent AS (
    SELECT s.rowid AS id
    FROM agent_messages_search AS s
    JOIN agent_messages AS m ON m.rowid = s.rowid
    WHERE agent_messages_search MATCH '"' || replace(:query, '"', '""') || '"'
      AND (CAST(:agent AS TEXT) IS NULL OR m.to_agent = :agent OR m.from_agent = :agent)
      AND (CAST(:from_agent AS TEXT) IS NULL OR m.from_agent = :from_agent)
      AND (m.sent_at >= :since OR :since IS NULL)
      AND (CAST(:thread_id AS TEXT) IS NULL OR m.thread_id = :thread_id)
      AND (CAST(:status AS TEXT) IS NULL OR m.delivery_status = :status)
    ORDER BY s.rowid DESC
    LIMIT :candidates
)
SELECT m.*, bm25(agent_messages_search, 2.0, 1.0) AS score,
       snippet(agent_messages_search, -1, :open, :close, '…', 48) AS snippet
FROM agent_messages_search AS s
JOIN agent_messages AS m ON m.rowid = s.rowid
WHERE agent_messages_search MATCH '"' || replace(:query, '"', '""') || '"'
  AND s.rowid >= (SELECT min(id) FROM recent)
  AND (CAST(:agent AS TEXT) IS NULL OR m.to_agent = :agent OR m.from_agent = :agent)
  AND (CAST(:from_agent AS TEXT) IS NULL OR m.from_agent = :from_agent)
  AND (m.sent_at >= :since OR :since IS NULL)
  AND (CAST(:thread_id AS TEXT) IS NULL OR m.thread_id = :thread_id)
  AND (CAST(:status AS TEXT) IS NULL OR m.delivery_status = :status)
ORDER BY score, m.message_id DESC
LIMIT :limit;

-- name: scan_messages
-- A literal scan of the latest :window messages, newest first, for text too short for the
-- index (under three characters): :query inside a LIKE pattern, its % _ and \ escaped
-- (LIKE folds ASCII letters only).
SELECT m.*, 0.0 AS score, NULL AS snippet
FROM agent_messages AS m, (SELECT '%' || replace(replace(replace(:query, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS pattern) AS p
WHERE m.message_id IN (
    SELECT message_id FROM agent_messages ORDER BY message_id DESC LIMIT :window
)
  AND (m.content LIKE p.pattern ESCAPE '\' OR m.subject LIKE p.pattern ESCAPE '\')
  AND (CAST(:agent AS TEXT) IS NULL OR m.to_agent = :agent OR m.from_agent = :agent)
  AND (CAST(:from_agent AS TEXT) IS NULL OR m.from_agent = :from_agent)
  AND (m.sent_at >= :since OR :since IS NULL)
  AND (CAST(:thread_id AS TEXT) IS NULL OR m.thread_id = :thread_id)
  AND (CAST(:status AS TEXT) IS NULL OR m.delivery_status = :status)
ORDER BY m.message_id DESC
LIMIT :limit;

-- name: search_backlog
-- Whether messages wait to be indexed: rows above the highest one the index holds.
SELECT coalesce((SELECT max(rowid) FROM agent_messages), 0)
       > (SELECT coalesce(max(id), 0) FROM agent_messages_search_docsize) AS waiting;

-- name: index_backlog
-- Index the next :batch messages not indexed yet, in rowid order (the index then holds
-- every row up to the last of them).
INSERT INTO agent_messages_search (rowid, subject, content)
SELECT rowid, subject, content FROM agent_messages
WHERE rowid > (SELECT coalesce(max(id), 0) FROM agent_messages_search_docsize)
ORDER BY rowid
LIMIT :batch;

-- name: merge_search_pending
-- Nothing to merge: FTS5 merges its own segments as rows are indexed (PostgreSQL's GIN
-- indexes keep a pending list, which its dispatcher merges every second).
SELECT 0 AS merged;

-- name: search_index_size
-- Documents in the search index and the bytes of its data (retention's tests watch these).
SELECT (SELECT count(*) FROM agent_messages_search_docsize) AS documents,
       (SELECT coalesce(sum(length(block)), 0) FROM agent_messages_search_data) AS bytes;

-- ---------------------------------------------------------------- core_systems_status

-- name: lock_systems
-- One process at a time picks a system name (BEGIN IMMEDIATE already serialises writers).
SELECT 1 AS locked;

-- ---------------------------------------------------------------- file_reservations

-- name: lock_project_reservations
-- Serialise grants of one project (BEGIN IMMEDIATE already holds the write lock).
SELECT :project IS NOT NULL AS locked;

-- name: project_reservations
-- The live reservations of one project (neither released nor expired, by the database's clock).
SELECT * FROM file_reservations
WHERE project = :project AND released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
ORDER BY expires_at, reservation_id;

-- name: live_reservations
-- Live reservations, of one project and one agent if given, expiring soonest first.
SELECT * FROM file_reservations
WHERE released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  AND (:project IS NULL OR project = :project)
  AND (:agent_id IS NULL OR agent_id = :agent_id)
ORDER BY expires_at, reservation_id
LIMIT :limit;

-- name: count_live_reservations
-- How many reservations are live, and how many of them are exclusive.
SELECT count(*) AS live, coalesce(sum(exclusive), 0) AS exclusive FROM file_reservations
WHERE released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: guard_holds
-- For the commit hook: the live exclusive reservations of a project held by anyone but
-- the committing agent.
SELECT agent_id, pattern, reason, expires_at FROM file_reservations
WHERE project = :project AND released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  AND exclusive = 1 AND agent_id <> :agent_id;

-- name: insert_reservation
-- Grant one reservation for :ttl seconds from the database's clock.
INSERT INTO file_reservations (
    reservation_id, agent_id, project, pattern, exclusive, reason, created_at, expires_at
) SELECT
    :reservation_id, :agent_id, :project, :pattern, :exclusive, :reason, t.now,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :ttl))
FROM (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS now) AS t
RETURNING *;

-- name: refresh_reservation
-- The holder asks again for a pattern it holds: new kind, reason and expiry, same row.
UPDATE file_reservations
SET exclusive = :exclusive, reason = :reason,
    expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :ttl))
WHERE reservation_id = :reservation_id AND released_at IS NULL
  AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING *;

-- name: renew_reservations
-- Extend live reservations, given as a JSON list of ids, to :ttl seconds from now.
UPDATE file_reservations
SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('%+.3f seconds', :ttl))
WHERE reservation_id IN (SELECT value FROM json_each(:reservation_ids))
  AND released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING *;

-- name: release_reservations
-- Release live reservations, given as a JSON list of ids; a force release says who and why.
UPDATE file_reservations
SET released_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), released_by = :released_by, release_reason = :release_reason
WHERE reservation_id IN (SELECT value FROM json_each(:reservation_ids))
  AND released_at IS NULL AND expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING *;

-- ---------------------------------------------------------------- operations: inspection

-- name: integrity_check
-- SQLite's own consistency check of every page and index ('ok' when sound).
PRAGMA integrity_check;

-- name: foreign_key_check
-- Rows whose foreign keys point nowhere.
PRAGMA foreign_key_check;

-- name: journal_mode
-- The journal mode of the file ('wal' lets the daemon, the bot and the CLI share it).
PRAGMA journal_mode;

-- name: page_stats
-- Pages in the file, pages on the free list (reclaimable by VACUUM), and the page size.
SELECT p.page_count AS page_count, f.freelist_count AS freelist_count, s.page_size AS page_size
FROM pragma_page_count() AS p, pragma_freelist_count() AS f, pragma_page_size() AS s;

-- name: has_statistics
-- Whether ANALYZE has ever gathered the planner's statistics.
SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1';

-- name: list_columns
-- The columns of one table in order, and which the database generates (`db copy`).
SELECT name, hidden IN (2, 3) AS generated FROM pragma_table_xinfo(:table) ORDER BY cid;

-- ---------------------------------------------------------------- operations: backup

-- name: begin_snapshot
-- Open a read transaction: under WAL, what it reads stays one moment however long it lasts.
BEGIN;

-- name: end_snapshot
-- Close the read transaction (nothing was written).
ROLLBACK;

-- name: journal_mode_delete
-- Switch a file (a finished backup copy) to a rollback journal, so it is one self-contained file.
PRAGMA journal_mode = DELETE;

-- ---------------------------------------------------------------- operations: maintenance

-- name: reindex
-- Rebuild every index from its table.
REINDEX;

-- name: temp_files_on_disk
-- Temporary files on disk, for VACUUM: it copies the whole database into a temporary one.
PRAGMA temp_store = FILE;

-- name: temp_files_in_memory
-- Temporary files back in memory, as every connection keeps them (`sqlite.TEMP_STORE`).
PRAGMA temp_store = MEMORY;

-- name: wal_checkpoint
-- Copy the write-ahead log into the file and truncate it, so the file size is the real size.
PRAGMA wal_checkpoint(TRUNCATE);
