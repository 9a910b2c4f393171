-- Named queries both dialects run as they are. Each block: `-- name: <name>`, a
-- one-line description, then one statement. Parameters are :named (the PostgreSQL
-- connector binds them as $1, $2…). A query that cannot be written portably (the
-- database's clock, JSON lists, catalogs, locks) lives in sqlite/queries.sql and
-- postgres/queries.sql under the same name; a name may be defined only once per dialect.

-- ---------------------------------------------------------------- schema

-- name: schema_version
-- The highest applied migration.
SELECT coalesce(max(version), 0) AS version FROM schema_migrations;

-- name: list_migrations
-- Applied migrations, oldest first.
SELECT version, applied_at, description, checksum FROM schema_migrations ORDER BY version;

-- name: record_migration
-- Record one applied migration.
INSERT INTO schema_migrations (version, description, checksum)
VALUES (:version, :description, :checksum);

-- ---------------------------------------------------------------- agent_workspaces

-- name: list_workspaces
-- Agents in the registry, configured ones first, by name.
SELECT * FROM agent_workspaces
WHERE configured OR :include_removed
ORDER BY configured DESC, agent_id;

-- name: get_workspace
-- One agent's workspace row.
SELECT * FROM agent_workspaces WHERE agent_id = :agent_id;

-- name: report_workspace
-- An agent's report of its own state; the counters only go up.
UPDATE agent_workspaces
SET status = :status,
    current_focus = CASE WHEN :set_focus = 1 THEN nullif(CAST(:current_focus AS TEXT), '')
                         ELSE current_focus END,
    last_cycle = CASE WHEN :cycle = 1 THEN :now ELSE last_cycle END,
    cycle_count = coalesce(cycle_count, 0) + :cycle,
    tasks_completed = coalesce(tasks_completed, 0) + :task_done,
    coordination_efficiency = coalesce(:coordination_efficiency, coordination_efficiency),
    last_updated = :now
WHERE agent_id = :agent_id AND configured;

-- name: ensure_probe_workspace
-- The doctor's probe recipient: a registry row that listings never show (configured false).
INSERT INTO agent_workspaces (agent_id, team, specialization, captain, transport, configured)
VALUES (:agent_id, 'swarmbus', 'doctor probe', 'swarmbus', 'inbox', FALSE)
ON CONFLICT (agent_id) DO NOTHING;

-- ---------------------------------------------------------------- agent_messages: sending and reading

-- name: get_message
-- One message by id.
SELECT * FROM agent_messages WHERE message_id = :message_id;

-- name: list_messages
-- Messages filtered by status, send time and broadcast; newest first, and older than the
-- :before id when paging on. It walks the table from the newest message until it has
-- :limit: an agent's messages (`messages_of_agent`) and a status alone
-- (`messages_in_status`) have queries of their own that read an index instead.
-- (PostgreSQL types a parameter where it is first met: CAST(... AS TEXT), or the
-- comparison with sent_at before the :since IS NULL test.)
SELECT * FROM agent_messages
WHERE (CAST(:status AS TEXT) IS NULL OR delivery_status = :status OR status = :status)
  AND (sent_at >= :since OR :since IS NULL)
  AND (CAST(:broadcast_id AS TEXT) IS NULL OR broadcast_id = :broadcast_id)
  AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
ORDER BY message_id DESC
LIMIT :limit;

-- name: messages_of_agent
-- The messages to or from :agent, filtered as list_messages filters, newest first: the
-- newest of what it received from the end of its range of idx_message_to_agent, and of
-- what it sent (to others) from the end of its range of idx_message_from_agent
-- (migration 0022), so that an agent which sent and received little costs what it has,
-- not the history.
SELECT * FROM (
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE to_agent = :agent
          AND (CAST(:status AS TEXT) IS NULL OR delivery_status = :status OR status = :status)
          AND (sent_at >= :since OR :since IS NULL)
          AND (CAST(:broadcast_id AS TEXT) IS NULL OR broadcast_id = :broadcast_id)
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS received
    UNION ALL
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE from_agent = :agent AND to_agent <> :agent
          AND (CAST(:status AS TEXT) IS NULL OR delivery_status = :status OR status = :status)
          AND (sent_at >= :since OR :since IS NULL)
          AND (CAST(:broadcast_id AS TEXT) IS NULL OR broadcast_id = :broadcast_id)
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS sent
) AS both_ways
ORDER BY message_id DESC
LIMIT :limit;

-- name: messages_in_status
-- Messages in one delivery status, newest first, older than the :before id when paging
-- on: each status read from the end of its range of idx_message_status, so that listing
-- the dead letters costs what it shows, not the history. 'pending' also lists the claimed
-- and retrying ones, as list_messages does through the coarse `status` column. One walk
-- per status: `IN ('claimed', 'retrying')` would be sorted, and with statistics that
-- count every status alike the planner scanned the table for it instead.
SELECT * FROM (
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE delivery_status = :status
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS named
    UNION ALL
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE delivery_status = 'claimed' AND CAST(:status AS TEXT) = 'pending'
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS claimed
    UNION ALL
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE delivery_status = 'retrying' AND CAST(:status AS TEXT) = 'pending'
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS retrying
) AS listed
ORDER BY message_id DESC
LIMIT :limit;

-- name: count_by_agent_and_status
-- Per recipient and delivery status, how many messages stand there and how many of them
-- the recipient never opened through a face (`swarmbus read --unread`): one walk of
-- idx_message_recipient_counts, which covers the query.
SELECT to_agent, delivery_status, count(*) AS n, count(*) - count(read_at) AS unread
FROM agent_messages GROUP BY to_agent, delivery_status;

-- name: count_by_status_of_agent
-- count_by_agent_and_status for one recipient: its range of idx_message_recipient_counts
-- alone, so that one agent's page costs that agent's messages, not the history.
SELECT to_agent, delivery_status, count(*) AS n, count(*) - count(read_at) AS unread
FROM agent_messages WHERE to_agent = :agent GROUP BY to_agent, delivery_status;

-- name: last_delivery_by_recipient
-- When each registered agent last had a message delivered (one seek per agent through
-- idx_message_last_delivery); NULL for an agent that never had one.
SELECT w.agent_id AS to_agent,
       (SELECT max(m.processed_at) FROM agent_messages AS m
        WHERE m.to_agent = w.agent_id AND m.delivery_status = 'delivered') AS last_delivery
FROM agent_workspaces AS w;

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

-- name: finished_messages_to_agent
-- The latest finished messages to one agent (its coordination efficiency is computed over
-- them), with their ack deadline and the database's clock to judge it by.
SELECT delivery_status, retry_count, sent_at, processed_at, ack_due_at, acked_at,
       CURRENT_TIMESTAMP AS db_now
FROM agent_messages
WHERE to_agent = :agent_id AND delivery_status IN ('delivered', 'failed', 'expired')
ORDER BY message_id DESC
LIMIT :limit;

-- name: deliveries_since
-- Delivered messages processed at or after :since, newest first (through
-- idx_message_processed_at): the delivery latency trend.
SELECT sent_at, processed_at, delivery_time_ms FROM agent_messages
WHERE processed_at >= :since AND delivery_status = 'delivered'
ORDER BY processed_at DESC
LIMIT :limit;

-- name: delete_probe_messages
-- Remove this run's probe message, and any probe a crashed run left behind.
DELETE FROM agent_messages
WHERE to_agent = :agent_id AND (message_id = :message_id OR sent_at < :stale_before);

-- ---------------------------------------------------------------- agent_messages: conversations

-- name: ensure_person_workspace
-- A person who answers and is answered through faces (person, discord:alice): a registry
-- row that listings never show (configured false), so replies to them can be stored.
INSERT INTO agent_workspaces (agent_id, team, specialization, captain, transport, configured)
VALUES (:agent_id, 'people', 'person', 'none', 'inbox', FALSE)
ON CONFLICT (agent_id) DO NOTHING;

-- name: thread_messages
-- A whole thread in send order (ids increase in commit order), at most :limit messages:
-- its first message by key, the replies through their index (migration 0011).
SELECT * FROM (
    SELECT * FROM agent_messages WHERE message_id = :thread_id AND thread_id = :thread_id
    UNION ALL
    SELECT * FROM agent_messages WHERE thread_id = :thread_id AND thread_id <> message_id
) AS thread
ORDER BY message_id LIMIT :limit;

-- name: thread_participants
-- Everyone who wrote in a thread or was written to in it.
WITH thread AS (
    SELECT from_agent, to_agent FROM agent_messages
    WHERE message_id = :thread_id AND thread_id = :thread_id
    UNION ALL
    SELECT from_agent, to_agent FROM agent_messages
    WHERE thread_id = :thread_id AND thread_id <> message_id
)
SELECT from_agent AS name FROM thread UNION SELECT to_agent FROM thread;

-- name: inbox_messages
-- The messages addressed to one recipient, newest first, any transport, expired ones left
-- out (their sender withdrew them); with :since only those sent at or after it (compared
-- first, as in list_messages). Read from the end of the recipient's range of
-- idx_message_to_agent.
SELECT * FROM agent_messages
WHERE to_agent = :agent AND delivery_status <> 'expired'
  AND (sent_at >= :since OR :since IS NULL)
ORDER BY message_id DESC
LIMIT :limit;

-- name: inbox_unread
-- The same for the messages the recipient never opened through a face: read from the end
-- of its range of idx_message_unread_by_id.
SELECT * FROM agent_messages
WHERE to_agent = :agent AND read_at IS NULL AND delivery_status <> 'expired'
  AND (sent_at >= :since OR :since IS NULL)
ORDER BY message_id DESC
LIMIT :limit;

-- name: messages_for_person
-- What a person is owed, newest first: messages addressed to either of their names, and
-- replies (to anyone else) to a message they wrote; older than the :before id when paging
-- on. The first two from the end of each name's range of idx_message_to_agent; the
-- replies through what the person wrote (idx_message_from_agent, migration 0022), then
-- each one's replies (idx_message_reply_to): a look-up per message the person wrote, not
-- a walk of the history. CROSS JOIN keeps SQLite's planner to that order.
SELECT * FROM (
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE to_agent = :name
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS to_name
    UNION ALL
    SELECT * FROM (
        SELECT * FROM agent_messages
        WHERE to_agent = :alias AND to_agent <> :name
          AND (CAST(:before AS TEXT) IS NULL OR message_id < :before)
        ORDER BY message_id DESC LIMIT :limit
    ) AS to_alias
    UNION ALL
    SELECT * FROM (
        SELECT m.* FROM agent_messages AS answered CROSS JOIN agent_messages AS m
        WHERE (answered.from_agent = :name OR answered.from_agent = :alias)
          AND m.reply_to = answered.message_id
          AND m.to_agent <> :name AND m.to_agent <> :alias
          AND (CAST(:before AS TEXT) IS NULL OR m.message_id < :before)
        ORDER BY m.message_id DESC LIMIT :limit
    ) AS replies
) AS owed
ORDER BY message_id DESC
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

-- ---------------------------------------------------------------- file_reservations

-- name: get_reservation
-- One reservation by id, live or not.
SELECT * FROM file_reservations WHERE reservation_id = :reservation_id;

-- name: released_reservations
-- The latest released reservations (force releases name who and why), newest first.
SELECT * FROM file_reservations WHERE released_at IS NOT NULL
ORDER BY released_at DESC, reservation_id
LIMIT :limit;

-- ---------------------------------------------------------------- operations: inspection

-- name: count_rows
-- Rows per table of the contract.
SELECT 'agent_workspaces' AS table_name, count(*) AS n FROM agent_workspaces
UNION ALL SELECT 'agent_messages', count(*) FROM agent_messages
UNION ALL SELECT 'discord_commands', count(*) FROM discord_commands
UNION ALL SELECT 'core_systems_status', count(*) FROM core_systems_status
UNION ALL SELECT 'v2_compliance_audit', count(*) FROM v2_compliance_audit
UNION ALL SELECT 'integration_tests', count(*) FROM integration_tests
UNION ALL SELECT 'file_reservations', count(*) FROM file_reservations
UNION ALL SELECT 'schema_migrations', count(*) FROM schema_migrations;

-- ---------------------------------------------------------------- operations: maintenance

-- name: vacuum
-- Rebuild the file without free pages (needs the write lock; readers go on under WAL).
VACUUM;

-- name: analyze
-- Refresh the statistics the query planner chooses indexes by.
ANALYZE;

-- ---------------------------------------------------------------- operations: retention

-- name: count_prunable_messages
-- Messages of the threads prune_messages would delete. A thread's messages are its first
-- (by key, its id is the thread's) and its replies (their index, migration 0011).
WITH doomed AS MATERIALIZED (
    SELECT c.thread_id FROM agent_messages AS c
    WHERE c.delivery_status IN ('delivered', 'expired') AND c.processed_at < :cutoff
      AND NOT EXISTS (
          SELECT 1 FROM agent_messages AS o
          WHERE ((o.message_id = c.thread_id AND o.thread_id = c.thread_id)
                 OR (o.thread_id = c.thread_id AND o.thread_id <> o.message_id))
            AND (o.delivery_status NOT IN ('delivered', 'expired')
                 OR o.processed_at IS NULL OR o.processed_at >= :cutoff
                 OR (o.delivery_status = 'delivered'
                     AND ((o.read_at IS NULL AND CAST(:include_unread AS INTEGER) = 0)
                          OR (o.ack_required = TRUE AND o.acked_at IS NULL))))
      )
)
SELECT count(*) AS n FROM (
    SELECT m.message_id FROM doomed AS d
    JOIN agent_messages AS m ON m.message_id = d.thread_id AND m.thread_id = d.thread_id
    UNION
    SELECT m.message_id FROM doomed AS d
    JOIN agent_messages AS m ON m.thread_id = d.thread_id AND m.thread_id <> m.message_id
) AS members;

-- name: count_finished_messages
-- Finished messages (delivered or expired) processed before the cutoff, in open threads or not.
SELECT count(*) AS n FROM agent_messages
WHERE delivery_status IN ('delivered', 'expired') AND processed_at < :cutoff;

-- name: prune_messages
-- Delete the whole threads, a batch at a time, whose every message is finished (delivered or
-- expired) before the cutoff, and read and acknowledged where it was delivered and an ack is
-- required (:include_unread = 1 lets unread ones go too); a thread with anything else, a
-- message still in play, a dead letter, an unread or unacknowledged one, stays whole.
-- (The WITH stands inside: Python's sqlite3 counts no rows for a statement starting with it.)
DELETE FROM agent_messages WHERE message_id IN (
    WITH doomed AS MATERIALIZED (
        SELECT c.thread_id FROM agent_messages AS c
        WHERE c.delivery_status IN ('delivered', 'expired') AND c.processed_at < :cutoff
          AND NOT EXISTS (
              SELECT 1 FROM agent_messages AS o
              WHERE ((o.message_id = c.thread_id AND o.thread_id = c.thread_id)
                     OR (o.thread_id = c.thread_id AND o.thread_id <> o.message_id))
                AND (o.delivery_status NOT IN ('delivered', 'expired')
                     OR o.processed_at IS NULL OR o.processed_at >= :cutoff
                     OR (o.delivery_status = 'delivered'
                         AND ((o.read_at IS NULL AND CAST(:include_unread AS INTEGER) = 0)
                              OR (o.ack_required = TRUE AND o.acked_at IS NULL))))
          )
        ORDER BY c.processed_at
        LIMIT :batch
    )
    SELECT m.message_id FROM doomed AS d
    JOIN agent_messages AS m ON m.message_id = d.thread_id AND m.thread_id = d.thread_id
    UNION ALL
    SELECT m.message_id FROM doomed AS d
    JOIN agent_messages AS m ON m.thread_id = d.thread_id AND m.thread_id <> m.message_id
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

-- name: count_prunable_reservations
-- File reservations released or expired before the cutoff.
SELECT count(*) AS n FROM file_reservations
WHERE coalesce(released_at, expires_at) < :cutoff;

-- name: prune_reservations
-- Delete one batch of file reservations released or expired before the cutoff; live
-- ones never go (a live one has no release and expires after now).
DELETE FROM file_reservations WHERE reservation_id IN (
    SELECT reservation_id FROM file_reservations
    WHERE coalesce(released_at, expires_at) < :cutoff
    ORDER BY coalesce(released_at, expires_at)
    LIMIT :batch
);
