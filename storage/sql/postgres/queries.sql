-- Named queries for PostgreSQL: the same names and parameters as the SQLite
-- file. Parameters are :named here too; the connector binds them as $1, $2…
-- Casts (:x::text) tell the server a parameter's type where nothing else does.

-- ---------------------------------------------------------------- schema

-- name: schema_state
-- In one snapshot: whether the migrations table is there, and how many tables exist at all.
SELECT
    (SELECT count(*) FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_name = 'schema_migrations') AS present,
    (SELECT count(*) FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE') AS tables;

-- name: schema_version
-- The highest applied migration.
SELECT coalesce(max(version), 0) AS version FROM schema_migrations;

-- name: list_migrations
-- Applied migrations, oldest first.
SELECT version, applied_at, description, checksum FROM schema_migrations ORDER BY version;

-- name: lock_migrations
-- One migrating process at a time; the others wait here, then find the work done.
SELECT pg_advisory_xact_lock(7355609) AS locked;

-- name: record_migration
-- Record one applied migration.
INSERT INTO schema_migrations (version, description, checksum)
VALUES (:version, :description, :checksum);

-- name: list_tables
-- Every table with its CHECK constraints (PostgreSQL keeps no CREATE text).
SELECT c.relname AS name,
       coalesce(string_agg(pg_get_constraintdef(con.oid), ' ' ORDER BY con.conname), '') AS sql
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = current_schema()
LEFT JOIN pg_constraint AS con ON con.conrelid = c.oid AND con.contype = 'c'
WHERE c.relkind = 'r'
GROUP BY c.relname
ORDER BY c.relname;

-- name: list_indexes
-- Every named index with the table it belongs to (primary keys left out, as in SQLite).
SELECT indexname AS name, tablename AS table_name, indexdef AS sql FROM pg_indexes
WHERE schemaname = current_schema() AND indexname NOT LIKE '%\_pkey'
ORDER BY indexname;

-- ---------------------------------------------------------------- agent_workspaces

-- name: list_workspaces
-- Agents in the registry, configured ones first, by name.
SELECT * FROM agent_workspaces
WHERE configured OR :include_removed::boolean
ORDER BY configured DESC, agent_id;

-- name: get_workspace
-- One agent's workspace row.
SELECT * FROM agent_workspaces WHERE agent_id = :agent_id;

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

-- ---------------------------------------------------------------- agent_messages

-- name: lock_message_ids
-- Serialise senders, so ids taken from the newest one increase in commit order.
SELECT pg_advisory_xact_lock(7355608) AS locked;

-- name: max_message_id
-- The newest id; new ids are made greater, so id order is commit order.
SELECT max(message_id) AS message_id FROM agent_messages;

-- name: find_idempotent
-- Messages a sender already stored under any of the given keys, with what they asked for.
SELECT message_id, idempotency_key, to_agent, content FROM agent_messages
WHERE from_agent = :from_agent
  AND idempotency_key IN (SELECT jsonb_array_elements_text(:keys::jsonb));

-- name: insert_message
-- Store one new message, ready at once; times come from the server's clock, not the host's.
INSERT INTO agent_messages (
    message_id, from_agent, to_agent, priority, tags, content, sent_at, created_at,
    status, delivery_method, delivery_status, max_retries, coordinate_validation_status,
    available_at, idempotency_key, broadcast_id, expires_at
) VALUES (
    :message_id, :from_agent, :to_agent, :priority, :tags, :content, now(), now(),
    'pending', :delivery_method, 'pending', :max_retries, :coordinate_validation_status,
    now(), :idempotency_key, :broadcast_id, now() + :expires_in::float8 * interval '1 second'
);

-- name: announce_messages
-- Wake listening dispatchers; PostgreSQL delivers the notification when this commits.
SELECT pg_notify('swarmbus_messages', '') AS announced;

-- name: lane_heads
-- For each given lane, its first :per_lane messages in play, row-locked with SKIP
-- LOCKED, and the lane's true head: when a locked row was skipped, the two differ
-- and the claim leaves the lane alone (another dispatcher is at work on it). With the
-- server's clock: leases and backoffs are judged by it, never by a host's.
SELECT m.*, head.message_id AS lane_head, now() AS db_now
FROM jsonb_array_elements(:lanes::jsonb) AS lane
CROSS JOIN LATERAL (
    SELECT min(h.message_id) AS message_id FROM agent_messages AS h
    WHERE h.to_agent = lane ->> 0 AND h.priority_rank = (lane ->> 1)::smallint
      AND h.delivery_status IN ('pending', 'claimed', 'retrying')
) AS head
CROSS JOIN LATERAL (
    SELECT a.message_id, a.to_agent, a.priority_rank, a.delivery_status, a.available_at,
           a.lease_expires_at
    FROM agent_messages AS a
    WHERE a.to_agent = lane ->> 0 AND a.priority_rank = (lane ->> 1)::smallint
      AND a.delivery_status IN ('pending', 'claimed', 'retrying')
    ORDER BY a.message_id
    LIMIT :per_lane
    FOR UPDATE OF a SKIP LOCKED
) AS m;

-- name: claim_messages
-- Take the chosen messages under a lease; the token makes later updates conditional.
UPDATE agent_messages
SET delivery_status = 'claimed',
    lease_expires_at = now() + :lease_seconds::float8 * interval '1 second',
    claim_token = :claim_token, claimed_by = :claimed_by
WHERE message_id IN (SELECT jsonb_array_elements_text(:message_ids::jsonb))
RETURNING *;

-- name: renew_leases
-- Extend the leases of held messages, given as a JSON list of [id, claim token];
-- returns the ids still held (a missing one was taken over by another dispatcher).
UPDATE agent_messages AS m SET lease_expires_at = now() + :lease_seconds::float8 * interval '1 second'
FROM jsonb_array_elements(:holds::jsonb) AS h
WHERE m.message_id = h.value ->> 0 AND m.claim_token = h.value ->> 1
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
-- claim still holds the message; returns the ids that were recorded.
UPDATE agent_messages AS m
SET delivery_status = 'delivered', status = 'delivered', processed_at = now(),
    delivery_time_ms = (o.value ->> 'ms')::integer,
    delivery_method = coalesce(o.value ->> 'method', m.delivery_method),
    pyautogui_coordinates = coalesce(nullif(o.value -> 'coordinates', 'null'::jsonb),
                                     m.pyautogui_coordinates),
    coordinate_validation_status = coalesce(o.value ->> 'cvs', m.coordinate_validation_status),
    lease_expires_at = NULL, claim_token = NULL,
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
FROM jsonb_array_elements(:outcomes::jsonb) AS o
WHERE m.message_id = o.value ->> 'id' AND m.claim_token = o.value ->> 'token'
RETURNING m.message_id;

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
WHERE m.message_id = r.id AND m.claim_token = :claim_token;

-- name: requeue_message
-- Give a dead letter a fresh set of attempts.
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = now(),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE message_id = :message_id AND delivery_status = 'failed';

-- name: requeue_all_failed
-- Give every dead letter (optionally of one recipient) a fresh set of attempts.
UPDATE agent_messages
SET delivery_status = 'pending', status = 'pending', retry_count = 0, processed_at = NULL,
    available_at = now(),
    attempt_started_at = NULL, attempt_by = NULL, attempt_token = NULL
WHERE delivery_status = 'failed' AND (:to_agent::text IS NULL OR to_agent = :to_agent)
RETURNING message_id;

-- name: get_message
-- One message by id.
SELECT * FROM agent_messages WHERE message_id = :message_id;

-- name: get_messages
-- Several messages by id.
SELECT * FROM agent_messages
WHERE message_id IN (SELECT jsonb_array_elements_text(:message_ids::jsonb));

-- name: list_messages
-- Messages filtered by recipient or sender, status and send time; newest first.
SELECT * FROM agent_messages
WHERE (:agent::text IS NULL OR to_agent = :agent OR from_agent = :agent)
  AND (:status::text IS NULL OR delivery_status = :status OR status = :status)
  AND (:since::timestamptz IS NULL OR sent_at >= :since)
  AND (:broadcast_id::text IS NULL OR broadcast_id = :broadcast_id)
ORDER BY message_id DESC
LIMIT :limit;

-- name: count_by_agent_and_status
-- Queue depth per recipient and delivery status.
SELECT to_agent, delivery_status, count(*) AS n
FROM agent_messages GROUP BY to_agent, delivery_status;

-- name: recent_deliveries
-- The latest delivered messages.
SELECT * FROM agent_messages
WHERE delivery_status = 'delivered' AND processed_at IS NOT NULL
ORDER BY processed_at DESC LIMIT :limit;

-- name: queue_depth
-- Messages still in play, and dead letters, by delivery status.
SELECT delivery_status, count(*) AS n FROM agent_messages
WHERE delivery_status IN ('pending', 'claimed', 'retrying', 'failed')
GROUP BY delivery_status;

-- name: dead_letters_since
-- Dead letters after a (processed_at, message_id) position, oldest first (the bot's alerts).
SELECT * FROM agent_messages
WHERE delivery_status = 'failed'
  AND (processed_at > :since OR (processed_at = :since AND message_id > :after_id))
ORDER BY processed_at, message_id
LIMIT :limit;

-- ---------------------------------------------------------------- core_systems_status

-- name: upsert_system
-- Write a system's heartbeat: its whole row, replacing the previous one, except that
-- error_count accumulates (:error_delta, the errors since this writer's last beat), so
-- neither the monitor's stale marks nor a restarted writer's history are lost.
INSERT INTO core_systems_status (
    system_id, system_name, system_status, health_score, last_health_check, error_count,
    performance_metrics, integration_dependencies, system_configuration, monitoring_alerts,
    maintenance_schedule, host, heartbeat_interval_seconds, status_detail, started_at
) VALUES (
    :system_id, :system_name, :system_status, :health_score, :last_health_check, :error_count,
    :performance_metrics, :integration_dependencies, :system_configuration, :monitoring_alerts,
    :maintenance_schedule, :host, :heartbeat_interval_seconds, :status_detail, :started_at
)
ON CONFLICT (system_id) DO UPDATE SET
    system_name = excluded.system_name,
    system_status = excluded.system_status,
    health_score = excluded.health_score,
    last_health_check = excluded.last_health_check,
    error_count = core_systems_status.error_count + :error_delta,
    performance_metrics = excluded.performance_metrics,
    integration_dependencies = excluded.integration_dependencies,
    system_configuration = excluded.system_configuration,
    monitoring_alerts = excluded.monitoring_alerts,
    maintenance_schedule = coalesce(excluded.maintenance_schedule,
                                    core_systems_status.maintenance_schedule),
    host = excluded.host,
    heartbeat_interval_seconds = excluded.heartbeat_interval_seconds,
    status_detail = excluded.status_detail,
    started_at = excluded.started_at;

-- name: lock_systems
-- One process at a time picks a system name: the rows it looks at may not exist yet.
SELECT pg_advisory_xact_lock(7355610) AS locked;

-- name: list_systems
-- Every system's latest heartbeat.
SELECT * FROM core_systems_status ORDER BY system_name, system_id;

-- name: get_system
-- One system's latest heartbeat.
SELECT * FROM core_systems_status WHERE system_id = :system_id;

-- name: mark_system_stale
-- The monitor's verdict on a system that stopped reporting: error, one more error counted,
-- an alert; only once per silence, and never over a heartbeat that arrived meanwhile.
UPDATE core_systems_status
SET system_status = 'error', error_count = coalesce(error_count, 0) + 1,
    status_detail = :status_detail, monitoring_alerts = :monitoring_alerts
WHERE system_id = :system_id AND last_health_check = :last_health_check
  AND system_status <> 'inactive'
  AND (status_detail IS NULL OR status_detail NOT LIKE 'stale:%');

-- ---------------------------------------------------------------- discord_commands

-- name: insert_command
-- Record one Discord command invocation in the ledger.
INSERT INTO discord_commands (
    command_id, agent_id, command_type, command_data, channel_id, user_id, executed_at,
    execution_status, response_data, controller_status, command_priority, execution_time_ms,
    error_message, discord_bot_response, command_validation_status, command_name, user_name,
    guild_id
) VALUES (
    :command_id, :agent_id, :command_type, :command_data, :channel_id, :user_id, :executed_at,
    :execution_status, :response_data, :controller_status, :command_priority,
    :execution_time_ms, :error_message, :discord_bot_response, :command_validation_status,
    :command_name, :user_name, :guild_id
);

-- name: list_commands
-- The latest ledger rows, newest first.
SELECT * FROM discord_commands ORDER BY executed_at DESC, command_id DESC LIMIT :limit;

-- name: update_command_response
-- Replace what a ledger row says the user saw (the /send outcome edits the reply).
UPDATE discord_commands
SET discord_bot_response = :discord_bot_response, response_data = :response_data
WHERE command_id = :command_id;

-- ---------------------------------------------------------------- v2_compliance_audit

-- name: insert_audit
-- Record one audited component.
INSERT INTO v2_compliance_audit (
    audit_id, component_name, component_type, compliance_score, violations_found,
    violations_details, audit_timestamp, auditor_agent, integration_impact,
    refactoring_required, refactoring_priority, estimated_refactoring_cycles,
    integration_dependencies_affected, refactoring_plan, run_id
) VALUES (
    :audit_id, :component_name, :component_type, :compliance_score, :violations_found,
    :violations_details, :audit_timestamp, :auditor_agent, :integration_impact,
    :refactoring_required, :refactoring_priority, :estimated_refactoring_cycles,
    :integration_dependencies_affected, :refactoring_plan, :run_id
);

-- name: list_audit_runs
-- Audit runs, newest first, with their summary numbers.
SELECT run_id, max(audit_timestamp) AS audited_at, max(auditor_agent) AS auditor_agent,
       count(*) AS components, avg(compliance_score) AS average_score,
       sum(violations_found) AS violations,
       sum(CASE WHEN refactoring_required THEN 1 ELSE 0 END) AS needing_refactoring,
       sum(CASE WHEN refactoring_priority = 'high' THEN 1 ELSE 0 END) AS high_priority
FROM v2_compliance_audit
GROUP BY run_id
ORDER BY audited_at DESC
LIMIT :limit;

-- name: list_audits_of_run
-- The rows of one audit run, worst first.
SELECT * FROM v2_compliance_audit WHERE run_id = :run_id
ORDER BY compliance_score, component_name;

-- ---------------------------------------------------------------- integration_tests

-- name: insert_integration_test
-- Record one integration check.
INSERT INTO integration_tests (
    test_id, test_name, test_type, test_status, test_data, expected_result, actual_result,
    test_duration_ms, created_at, executed_at, integration_component, test_coverage_percentage,
    v2_compliance_check, test_environment, test_agent, run_id
) VALUES (
    :test_id, :test_name, :test_type, :test_status, :test_data, :expected_result,
    :actual_result, :test_duration_ms, :created_at, :executed_at, :integration_component,
    :test_coverage_percentage, :v2_compliance_check, :test_environment, :test_agent, :run_id
);

-- name: list_integration_tests
-- The latest integration checks, newest first.
SELECT * FROM integration_tests ORDER BY created_at DESC, test_id LIMIT :limit;

-- name: list_integration_test_runs
-- Doctor runs, newest first, with how many checks passed, failed or were skipped.
SELECT run_id, max(executed_at) AS executed_at, max(test_agent) AS test_agent,
       max(test_environment) AS test_environment, count(*) AS checks,
       sum(CASE WHEN test_status = 'passed' THEN 1 ELSE 0 END) AS passed,
       sum(CASE WHEN test_status = 'failed' THEN 1 ELSE 0 END) AS failed,
       sum(CASE WHEN test_status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
       sum(test_duration_ms) AS duration_ms
FROM integration_tests
WHERE run_id IS NOT NULL
GROUP BY run_id
ORDER BY executed_at DESC
LIMIT :limit;

-- name: list_integration_tests_of_run
-- The checks of one doctor run, in the order they ran.
SELECT * FROM integration_tests WHERE run_id = :run_id ORDER BY test_id;

-- ---------------------------------------------------------------- counts and inspection

-- name: count_rows
-- Rows per table of the contract.
SELECT 'agent_workspaces' AS table_name, count(*) AS n FROM agent_workspaces
UNION ALL SELECT 'agent_messages', count(*) FROM agent_messages
UNION ALL SELECT 'discord_commands', count(*) FROM discord_commands
UNION ALL SELECT 'core_systems_status', count(*) FROM core_systems_status
UNION ALL SELECT 'v2_compliance_audit', count(*) FROM v2_compliance_audit
UNION ALL SELECT 'integration_tests', count(*) FROM integration_tests
UNION ALL SELECT 'schema_migrations', count(*) FROM schema_migrations;

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

-- name: vacuum
-- Reclaim dead rows (outside a transaction).
VACUUM;

-- name: analyze
-- Refresh the statistics the query planner chooses indexes by.
ANALYZE;

-- name: reindex
-- Rebuild every index of the schema.
REINDEX SCHEMA public;

-- name: wal_checkpoint
-- PostgreSQL checkpoints on its own; nothing to do.
SELECT 0 AS busy, 0 AS log, 0 AS checkpointed;

-- ---------------------------------------------------------------- operations: retention

-- name: count_prunable_messages
-- Finished messages (delivered or expired) processed before the cutoff.
SELECT count(*) AS n FROM agent_messages
WHERE delivery_status IN ('delivered', 'expired') AND processed_at < :cutoff;

-- name: prune_messages
-- Delete one batch of finished messages processed before the cutoff; never pending,
-- claimed, retrying or failed ones.
DELETE FROM agent_messages WHERE message_id IN (
    SELECT message_id FROM agent_messages
    WHERE delivery_status IN ('delivered', 'expired') AND processed_at < :cutoff
    ORDER BY processed_at
    LIMIT :batch
);

-- name: count_prunable_commands
-- Discord ledger rows executed before the cutoff.
SELECT count(*) AS n FROM discord_commands WHERE executed_at < :cutoff;

-- name: prune_commands
-- Delete one batch of Discord ledger rows executed before the cutoff.
DELETE FROM discord_commands WHERE command_id IN (
    SELECT command_id FROM discord_commands WHERE executed_at < :cutoff
    ORDER BY executed_at
    LIMIT :batch
);

-- name: count_prunable_tests
-- Doctor check rows created before the cutoff.
SELECT count(*) AS n FROM integration_tests WHERE created_at < :cutoff;

-- name: prune_tests
-- Delete one batch of doctor check rows created before the cutoff.
DELETE FROM integration_tests WHERE test_id IN (
    SELECT test_id FROM integration_tests WHERE created_at < :cutoff
    ORDER BY created_at
    LIMIT :batch
);

-- ---------------------------------------------------------------- operations: doctor and reports

-- name: ensure_probe_workspace
-- The doctor's probe recipient: a registry row that listings never show (configured false).
INSERT INTO agent_workspaces (agent_id, team, specialization, captain, transport, configured)
VALUES (:agent_id, 'swarmbus', 'doctor probe', 'swarmbus', 'inbox', FALSE)
ON CONFLICT (agent_id) DO NOTHING;

-- name: delete_probe_messages
-- Remove this run's probe message, and any probe a crashed run left behind.
DELETE FROM agent_messages
WHERE to_agent = :agent_id AND (message_id = :message_id OR sent_at < :stale_before);

-- name: report_workspace
-- An agent's report of its own state; the counters only go up.
UPDATE agent_workspaces
SET status = :status,
    current_focus = CASE WHEN :set_focus::integer = 1 THEN nullif(:current_focus::text, '')
                         ELSE current_focus END,
    last_cycle = CASE WHEN :cycle::integer = 1 THEN :now::timestamptz ELSE last_cycle END,
    cycle_count = coalesce(cycle_count, 0) + :cycle::integer,
    tasks_completed = coalesce(tasks_completed, 0) + :task_done::integer,
    coordination_efficiency = coalesce(:coordination_efficiency::double precision,
                                       coordination_efficiency),
    last_updated = :now::timestamptz
WHERE agent_id = :agent_id AND configured;

-- name: finished_messages_to_agent
-- The latest finished messages to one agent (its coordination efficiency is computed over them).
SELECT delivery_status, retry_count, sent_at, processed_at FROM agent_messages
WHERE to_agent = :agent_id AND delivery_status IN ('delivered', 'failed', 'expired')
ORDER BY message_id DESC
LIMIT :limit;
