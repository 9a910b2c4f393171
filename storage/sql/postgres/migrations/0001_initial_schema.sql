-- The seven tables of the seed contract for PostgreSQL: the same tables,
-- columns, CHECKs and indexes as the SQLite schema, with TIMESTAMPTZ for
-- times, JSONB for JSON columns and BOOLEAN for flags.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
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
    last_cycle TIMESTAMPTZ,
    current_focus TEXT,
    cycle_count INTEGER DEFAULT 0 CHECK (cycle_count >= 0),
    tasks_completed INTEGER DEFAULT 0 CHECK (tasks_completed >= 0),
    coordination_efficiency DOUBLE PRECISION DEFAULT 0.0
        CHECK (coordination_efficiency BETWEEN 0 AND 100),
    v2_compliance DOUBLE PRECISION DEFAULT 0.0 CHECK (v2_compliance BETWEEN 0 AND 100),
    last_updated TIMESTAMPTZ DEFAULT now(),

    integration_status TEXT DEFAULT 'pending'
        CHECK (integration_status IN ('pending', 'in_progress', 'integrated', 'failed')),
    integration_components JSONB
        CHECK (integration_components IS NULL OR jsonb_typeof(integration_components) = 'array'),
    integration_tests_passed INTEGER DEFAULT 0 CHECK (integration_tests_passed >= 0),
    integration_tests_total INTEGER DEFAULT 0
        CHECK (integration_tests_total >= integration_tests_passed),
    messaging_system_status TEXT DEFAULT 'pending'
        CHECK (messaging_system_status IN ('pending', 'active', 'inactive', 'error')),
    discord_commander_status TEXT DEFAULT 'pending'
        CHECK (discord_commander_status IN ('pending', 'active', 'inactive', 'error')),
    core_systems_status TEXT DEFAULT 'pending'
        CHECK (core_systems_status IN ('pending', 'active', 'inactive', 'error')),

    transport TEXT NOT NULL DEFAULT 'inbox' CHECK (transport IN ('gui', 'inbox', 'memory')),
    host TEXT,
    configured BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE agent_messages (
    message_id TEXT PRIMARY KEY,
    from_agent TEXT NOT NULL CHECK (length(from_agent) BETWEEN 1 AND 64),
    to_agent TEXT NOT NULL REFERENCES agent_workspaces (agent_id),
    priority TEXT NOT NULL CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    tags JSONB CHECK (tags IS NULL OR jsonb_typeof(tags) = 'array'),
    content TEXT NOT NULL CHECK (length(content) > 0),
    sent_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed', 'expired')),

    pyautogui_coordinates JSONB
        CHECK (pyautogui_coordinates IS NULL OR jsonb_typeof(pyautogui_coordinates) = 'object'),
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

    available_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_expires_at TIMESTAMPTZ,
    claim_token TEXT,
    claimed_by TEXT,
    last_error TEXT,
    idempotency_key TEXT
        CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
    broadcast_id TEXT,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    priority_rank SMALLINT GENERATED ALWAYS AS (
        CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
    ) STORED,

    CHECK (status = CASE WHEN delivery_status IN ('pending', 'claimed', 'retrying')
                         THEN 'pending' ELSE delivery_status END),
    CHECK ((delivery_status = 'claimed') = (lease_expires_at IS NOT NULL AND claim_token IS NOT NULL))
);

CREATE TABLE discord_commands (
    command_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    command_type TEXT NOT NULL
        CHECK (command_type IN ('status_check', 'task_assignment', 'coordination')),
    command_data JSONB NOT NULL CHECK (jsonb_typeof(command_data) = 'object'),
    channel_id TEXT,
    user_id TEXT,
    executed_at TIMESTAMPTZ DEFAULT now(),
    execution_status TEXT DEFAULT 'pending'
        CHECK (execution_status IN ('pending', 'success', 'failed', 'refused')),
    response_data JSONB CHECK (response_data IS NULL OR jsonb_typeof(response_data) = 'object'),

    controller_status TEXT DEFAULT 'active'
        CHECK (controller_status IN ('active', 'inactive', 'error')),
    command_priority INTEGER DEFAULT 1 CHECK (command_priority >= 0),
    execution_time_ms INTEGER CHECK (execution_time_ms IS NULL OR execution_time_ms >= 0),
    error_message TEXT,
    discord_bot_response TEXT,
    command_validation_status TEXT DEFAULT 'pending'
        CHECK (command_validation_status IN ('pending', 'valid', 'invalid', 'unauthorized')),

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
    health_score DOUBLE PRECISION DEFAULT 100.0 CHECK (health_score BETWEEN 0 AND 100),
    last_health_check TIMESTAMPTZ DEFAULT now(),
    error_count INTEGER DEFAULT 0 CHECK (error_count >= 0),
    performance_metrics JSONB
        CHECK (performance_metrics IS NULL OR jsonb_typeof(performance_metrics) = 'object'),

    integration_dependencies JSONB
        CHECK (integration_dependencies IS NULL
               OR jsonb_typeof(integration_dependencies) = 'array'),
    system_configuration JSONB
        CHECK (system_configuration IS NULL OR jsonb_typeof(system_configuration) = 'object'),
    monitoring_alerts JSONB
        CHECK (monitoring_alerts IS NULL OR jsonb_typeof(monitoring_alerts) = 'array'),
    maintenance_schedule JSONB
        CHECK (maintenance_schedule IS NULL OR jsonb_typeof(maintenance_schedule) = 'object'),

    host TEXT,
    heartbeat_interval_seconds DOUBLE PRECISION NOT NULL DEFAULT 5.0
        CHECK (heartbeat_interval_seconds > 0),
    status_detail TEXT,
    started_at TIMESTAMPTZ
);

CREATE TABLE v2_compliance_audit (
    audit_id TEXT PRIMARY KEY,
    component_name TEXT NOT NULL,
    component_type TEXT NOT NULL
        CHECK (component_type IN ('file', 'database', 'integration', 'service')),
    compliance_score DOUBLE PRECISION NOT NULL CHECK (compliance_score BETWEEN 0 AND 100),
    violations_found INTEGER DEFAULT 0 CHECK (violations_found >= 0),
    violations_details JSONB
        CHECK (violations_details IS NULL OR jsonb_typeof(violations_details) = 'array'),
    audit_timestamp TIMESTAMPTZ DEFAULT now(),
    auditor_agent TEXT NOT NULL,

    integration_impact JSONB
        CHECK (integration_impact IS NULL OR jsonb_typeof(integration_impact) = 'object'),
    refactoring_required BOOLEAN DEFAULT FALSE,
    refactoring_priority TEXT DEFAULT 'medium'
        CHECK (refactoring_priority IN ('low', 'medium', 'high')),
    estimated_refactoring_cycles INTEGER DEFAULT 1 CHECK (estimated_refactoring_cycles >= 0),
    integration_dependencies_affected JSONB
        CHECK (integration_dependencies_affected IS NULL
               OR jsonb_typeof(integration_dependencies_affected) = 'array'),
    refactoring_plan JSONB
        CHECK (refactoring_plan IS NULL OR jsonb_typeof(refactoring_plan) = 'object'),

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
    test_data JSONB CHECK (test_data IS NULL OR jsonb_typeof(test_data) = 'object'),
    expected_result JSONB
        CHECK (expected_result IS NULL OR jsonb_typeof(expected_result) = 'object'),
    actual_result JSONB CHECK (actual_result IS NULL OR jsonb_typeof(actual_result) = 'object'),
    test_duration_ms INTEGER CHECK (test_duration_ms IS NULL OR test_duration_ms >= 0),
    created_at TIMESTAMPTZ DEFAULT now(),
    executed_at TIMESTAMPTZ,

    integration_component TEXT NOT NULL,
    test_coverage_percentage DOUBLE PRECISION DEFAULT 0.0
        CHECK (test_coverage_percentage BETWEEN 0 AND 100),
    v2_compliance_check BOOLEAN DEFAULT FALSE,
    test_environment TEXT DEFAULT 'development'
        CHECK (test_environment IN ('development', 'test', 'ci', 'production')),
    test_agent TEXT NOT NULL,

    run_id TEXT
);

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

CREATE INDEX idx_message_lane ON agent_messages (to_agent, priority_rank, message_id)
    WHERE delivery_status IN ('pending', 'claimed', 'retrying');
CREATE UNIQUE INDEX idx_message_idempotency ON agent_messages (from_agent, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX idx_message_broadcast ON agent_messages (broadcast_id)
    WHERE broadcast_id IS NOT NULL;
CREATE INDEX idx_message_processed_at ON agent_messages (processed_at)
    WHERE processed_at IS NOT NULL;
CREATE INDEX idx_audit_run ON v2_compliance_audit (run_id);
CREATE INDEX idx_test_run ON integration_tests (run_id);
