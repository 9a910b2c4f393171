-- The seven tables of the seed contract, with every seed column under its seed
-- name, CHECKs on every status/enum/range column, and the bus's own columns.
-- Times are UTC text in one fixed-width format: 2026-11-25T12:51:35.123Z, so
-- that text order is time order.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    description TEXT NOT NULL,
    -- added: sha256 of the migration file, so an edited shipped migration is noticed
    checksum TEXT NOT NULL
);

CREATE TABLE agent_workspaces (
    agent_id TEXT PRIMARY KEY CHECK (length(agent_id) BETWEEN 1 AND 64),
    team TEXT NOT NULL,
    specialization TEXT NOT NULL,
    captain TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'unknown'
        CHECK (status IN ('unknown', 'idle', 'busy', 'blocked', 'offline')),
    last_cycle TEXT,
    current_focus TEXT,
    cycle_count INTEGER DEFAULT 0 CHECK (cycle_count >= 0),
    tasks_completed INTEGER DEFAULT 0 CHECK (tasks_completed >= 0),
    coordination_efficiency REAL DEFAULT 0.0
        CHECK (coordination_efficiency BETWEEN 0 AND 100),
    v2_compliance REAL DEFAULT 0.0 CHECK (v2_compliance BETWEEN 0 AND 100),
    last_updated TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),

    integration_status TEXT DEFAULT 'pending'
        CHECK (integration_status IN ('pending', 'in_progress', 'integrated', 'failed')),
    integration_components TEXT
        CHECK (integration_components IS NULL
               OR (json_valid(integration_components)
                   AND json_type(integration_components) = 'array')),
    integration_tests_passed INTEGER DEFAULT 0 CHECK (integration_tests_passed >= 0),
    integration_tests_total INTEGER DEFAULT 0
        CHECK (integration_tests_total >= integration_tests_passed),
    messaging_system_status TEXT DEFAULT 'pending'
        CHECK (messaging_system_status IN ('pending', 'active', 'inactive', 'error')),
    discord_commander_status TEXT DEFAULT 'pending'
        CHECK (discord_commander_status IN ('pending', 'active', 'inactive', 'error')),
    core_systems_status TEXT DEFAULT 'pending'
        CHECK (core_systems_status IN ('pending', 'active', 'inactive', 'error')),

    -- added: how the bus reaches the agent, on which host, and whether the
    -- current config still names it (removed agents keep their history)
    transport TEXT NOT NULL DEFAULT 'inbox' CHECK (transport IN ('gui', 'inbox', 'memory')),
    host TEXT,
    configured INTEGER NOT NULL DEFAULT 1 CHECK (configured IN (0, 1))
);

CREATE TABLE agent_messages (
    message_id TEXT PRIMARY KEY,
    from_agent TEXT NOT NULL CHECK (length(from_agent) BETWEEN 1 AND 64),
    to_agent TEXT NOT NULL REFERENCES agent_workspaces (agent_id),
    priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    tags TEXT CHECK (tags IS NULL OR (json_valid(tags) AND json_type(tags) = 'array')),
    content TEXT NOT NULL CHECK (length(content) > 0),
    sent_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    processed_at TEXT,
    -- coarse lifecycle; delivery_status below is the dispatcher's fine state
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed', 'expired')),

    pyautogui_coordinates TEXT
        CHECK (pyautogui_coordinates IS NULL
               OR (json_valid(pyautogui_coordinates)
                   AND json_type(pyautogui_coordinates) = 'object')),
    delivery_method TEXT DEFAULT 'pyautogui'
        CHECK (delivery_method IN ('pyautogui', 'pyautogui_typing', 'inbox', 'memory')),
    delivery_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (delivery_status IN ('pending', 'claimed', 'retrying', 'delivered', 'failed',
                                   'expired')),
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    delivery_time_ms INTEGER CHECK (delivery_time_ms IS NULL OR delivery_time_ms >= 0),
    coordinate_validation_status TEXT DEFAULT 'pending'
        CHECK (coordinate_validation_status IN ('pending', 'valid', 'off_screen',
                                                'title_mismatch', 'unverified',
                                                'not_applicable')),

    -- added for the bus: scheduling, leases, errors, dedup, fan-out, expiry
    available_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    lease_expires_at TEXT,
    claim_token TEXT,
    claimed_by TEXT,
    last_error TEXT,
    idempotency_key TEXT CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
    broadcast_id TEXT,
    expires_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    priority_rank INTEGER GENERATED ALWAYS AS (
        CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
    ) VIRTUAL,

    -- the coarse status follows the fine one, so the two can never disagree
    CHECK (status = CASE WHEN delivery_status IN ('pending', 'claimed', 'retrying')
                         THEN 'pending' ELSE delivery_status END),
    -- a claim always carries its lease and token
    CHECK ((delivery_status = 'claimed') = (lease_expires_at IS NOT NULL AND claim_token IS NOT NULL))
);

CREATE TABLE discord_commands (
    command_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    command_type TEXT NOT NULL
        CHECK (command_type IN ('status_check', 'task_assignment', 'coordination')),
    command_data TEXT NOT NULL
        CHECK (json_valid(command_data) AND json_type(command_data) = 'object'),
    channel_id TEXT,
    user_id TEXT,
    executed_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    execution_status TEXT DEFAULT 'pending'
        CHECK (execution_status IN ('pending', 'success', 'failed', 'refused')),
    response_data TEXT
        CHECK (response_data IS NULL
               OR (json_valid(response_data) AND json_type(response_data) = 'object')),

    controller_status TEXT DEFAULT 'active'
        CHECK (controller_status IN ('active', 'inactive', 'error')),
    command_priority INTEGER DEFAULT 1 CHECK (command_priority >= 0),
    execution_time_ms INTEGER CHECK (execution_time_ms IS NULL OR execution_time_ms >= 0),
    error_message TEXT,
    discord_bot_response TEXT,
    command_validation_status TEXT DEFAULT 'pending'
        CHECK (command_validation_status IN ('pending', 'valid', 'invalid', 'unauthorized')),

    -- added: which slash command, and who/where beyond the seed's ids
    command_name TEXT,
    user_name TEXT,
    guild_id TEXT
);

CREATE TABLE core_systems_status (
    system_id TEXT PRIMARY KEY,
    system_name TEXT NOT NULL
        CHECK (system_name IN ('messaging', 'discord', 'coordination', 'monitoring')),
    system_status TEXT NOT NULL
        CHECK (system_status IN ('active', 'inactive', 'error', 'maintenance')),
    health_score REAL DEFAULT 100.0 CHECK (health_score BETWEEN 0 AND 100),
    last_health_check TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    error_count INTEGER DEFAULT 0 CHECK (error_count >= 0),
    performance_metrics TEXT
        CHECK (performance_metrics IS NULL
               OR (json_valid(performance_metrics)
                   AND json_type(performance_metrics) = 'object')),

    integration_dependencies TEXT
        CHECK (integration_dependencies IS NULL
               OR (json_valid(integration_dependencies)
                   AND json_type(integration_dependencies) = 'array')),
    system_configuration TEXT
        CHECK (system_configuration IS NULL
               OR (json_valid(system_configuration)
                   AND json_type(system_configuration) = 'object')),
    monitoring_alerts TEXT
        CHECK (monitoring_alerts IS NULL
               OR (json_valid(monitoring_alerts) AND json_type(monitoring_alerts) = 'array')),
    maintenance_schedule TEXT
        CHECK (maintenance_schedule IS NULL
               OR (json_valid(maintenance_schedule)
                   AND json_type(maintenance_schedule) = 'object')),

    -- added: where it runs, how often it promises to report (staleness is
    -- judged against this), a one-line human status, and when it started
    host TEXT,
    heartbeat_interval_seconds REAL NOT NULL DEFAULT 5.0 CHECK (heartbeat_interval_seconds > 0),
    status_detail TEXT,
    started_at TEXT
);

CREATE TABLE v2_compliance_audit (
    audit_id TEXT PRIMARY KEY,
    component_name TEXT NOT NULL,
    component_type TEXT NOT NULL
        CHECK (component_type IN ('file', 'database', 'integration', 'service')),
    compliance_score REAL NOT NULL CHECK (compliance_score BETWEEN 0 AND 100),
    violations_found INTEGER DEFAULT 0 CHECK (violations_found >= 0),
    violations_details TEXT
        CHECK (violations_details IS NULL
               OR (json_valid(violations_details) AND json_type(violations_details) = 'array')),
    audit_timestamp TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    auditor_agent TEXT NOT NULL,

    integration_impact TEXT
        CHECK (integration_impact IS NULL
               OR (json_valid(integration_impact) AND json_type(integration_impact) = 'object')),
    refactoring_required INTEGER DEFAULT 0 CHECK (refactoring_required IN (0, 1)),
    refactoring_priority TEXT DEFAULT 'medium'
        CHECK (refactoring_priority IN ('low', 'medium', 'high')),
    estimated_refactoring_cycles INTEGER DEFAULT 1 CHECK (estimated_refactoring_cycles >= 0),
    integration_dependencies_affected TEXT
        CHECK (integration_dependencies_affected IS NULL
               OR (json_valid(integration_dependencies_affected)
                   AND json_type(integration_dependencies_affected) = 'array')),
    refactoring_plan TEXT
        CHECK (refactoring_plan IS NULL
               OR (json_valid(refactoring_plan) AND json_type(refactoring_plan) = 'object')),

    -- added: one id per audit run, so runs can be compared
    run_id TEXT
);

CREATE TABLE integration_tests (
    test_id TEXT PRIMARY KEY,
    test_name TEXT NOT NULL,
    test_type TEXT NOT NULL
        CHECK (test_type IN ('database', 'messaging', 'discord', 'v2_compliance',
                             'core_systems')),
    test_status TEXT DEFAULT 'pending'
        CHECK (test_status IN ('pending', 'running', 'passed', 'failed', 'skipped')),
    test_data TEXT
        CHECK (test_data IS NULL OR (json_valid(test_data) AND json_type(test_data) = 'object')),
    expected_result TEXT
        CHECK (expected_result IS NULL
               OR (json_valid(expected_result) AND json_type(expected_result) = 'object')),
    actual_result TEXT
        CHECK (actual_result IS NULL
               OR (json_valid(actual_result) AND json_type(actual_result) = 'object')),
    test_duration_ms INTEGER CHECK (test_duration_ms IS NULL OR test_duration_ms >= 0),
    created_at TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    executed_at TEXT,

    integration_component TEXT NOT NULL,
    test_coverage_percentage REAL DEFAULT 0.0 CHECK (test_coverage_percentage BETWEEN 0 AND 100),
    v2_compliance_check INTEGER DEFAULT 0 CHECK (v2_compliance_check IN (0, 1)),
    test_environment TEXT DEFAULT 'development'
        CHECK (test_environment IN ('development', 'test', 'ci', 'production')),
    test_agent TEXT NOT NULL,

    -- added: one id per doctor run
    run_id TEXT
);

-- The seed's indexes, kept as they were.
CREATE INDEX idx_agent_team ON agent_workspaces (team);
CREATE INDEX idx_agent_status ON agent_workspaces (status);
CREATE INDEX idx_agent_integration_status ON agent_workspaces (integration_status);
CREATE INDEX idx_agent_last_updated ON agent_workspaces (last_updated);

CREATE INDEX idx_message_to_agent ON agent_messages (to_agent);
CREATE INDEX idx_message_status ON agent_messages (delivery_status);
CREATE INDEX idx_message_sent_at ON agent_messages (sent_at);
CREATE INDEX idx_message_priority ON agent_messages (priority);
CREATE INDEX idx_message_coordinates ON agent_messages (pyautogui_coordinates);

CREATE INDEX idx_discord_agent ON discord_commands (agent_id);
CREATE INDEX idx_discord_status ON discord_commands (execution_status);
CREATE INDEX idx_discord_executed ON discord_commands (executed_at);
CREATE INDEX idx_discord_controller ON discord_commands (controller_status);
CREATE INDEX idx_discord_priority ON discord_commands (command_priority);

CREATE INDEX idx_core_system_name ON core_systems_status (system_name);
CREATE INDEX idx_core_system_status ON core_systems_status (system_status);
CREATE INDEX idx_core_health_check ON core_systems_status (last_health_check);

CREATE INDEX idx_audit_component ON v2_compliance_audit (component_name);
CREATE INDEX idx_audit_timestamp ON v2_compliance_audit (audit_timestamp);
CREATE INDEX idx_audit_score ON v2_compliance_audit (compliance_score);
CREATE INDEX idx_audit_refactoring ON v2_compliance_audit (refactoring_required);

CREATE INDEX idx_test_type ON integration_tests (test_type);
CREATE INDEX idx_test_status ON integration_tests (test_status);
CREATE INDEX idx_test_component ON integration_tests (integration_component);
CREATE INDEX idx_test_agent ON integration_tests (test_agent);

-- The bus's own indexes.
-- The claim walks each (recipient, priority) lane in send order over the rows
-- that are still in play; delivered history never enters this index, so the
-- claim costs the same however long the history grows.
CREATE INDEX idx_message_lane ON agent_messages (to_agent, priority_rank, message_id)
    WHERE delivery_status IN ('pending', 'claimed', 'retrying');
-- A repeated send with the same key from the same sender finds the first row.
CREATE UNIQUE INDEX idx_message_idempotency ON agent_messages (from_agent, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX idx_message_broadcast ON agent_messages (broadcast_id)
    WHERE broadcast_id IS NOT NULL;
-- Retention prunes finished rows oldest first.
CREATE INDEX idx_message_processed_at ON agent_messages (processed_at)
    WHERE processed_at IS NOT NULL;
CREATE INDEX idx_audit_run ON v2_compliance_audit (run_id);
CREATE INDEX idx_test_run ON integration_tests (run_id);
