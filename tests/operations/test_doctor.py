"""`swarmbus doctor`: every check passing and failing, with the integration_tests rows it writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from swarmbus.model.audits import ComplianceAudit
from swarmbus.model.systems import SystemStatus
from swarmbus.storage.database import open_database
from tests.operations.conftest import acli, corrupt_index_page, execute, rows

ENV = {"SWARMBUS_ENVIRONMENT": "test", "SWARMBUS_AGENT": "ops-tester"}
TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789ABCD"


async def doctor(swarm: Swarm, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
    result = await acli(swarm, *args, "doctor", "--json", env={**ENV, **(env or {})})
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["test_name"]: row for row in report["checks"]}


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm(["Agent-1", "Agent-2"], transport="inbox")


async def prepare(swarm: Swarm, messages: int = 0) -> None:
    """Create the database (and some history) the way the bus does."""
    async with await Bus.open(swarm) as bus:
        for n in range(messages):
            await bus.send("tester", f"Agent-{n % 2 + 1}", f"message {n}")


async def heartbeat(swarm: Swarm, system_id: str, **fields: Any) -> None:
    async with await open_database(swarm.database) as db:
        row = {"system_name": "messaging", "system_status": "active", **fields}
        await db.systems.heartbeat(SystemStatus(system_id=system_id, **row))


async def test_a_healthy_swarm_passes_and_records_every_seed_column(swarm: Swarm) -> None:
    await prepare(swarm, messages=3)
    await heartbeat(swarm, "messaging@here", performance_metrics={"delivered": 0})
    code, report = await doctor(swarm)
    assert code == 0, report
    checks = by_name(report)
    assert {name: row["test_status"] for name, row in checks.items()} == {
        "schema_version": "passed",
        "schema_constraints": "passed",
        "integrity_check": "passed",
        "foreign_key_check": "passed",
        "journal_mode": "passed",
        "round_trip": "passed",
        "config": "passed",
        "gui_points": "skipped",
        "discord_token": "skipped",
        "heartbeat messaging@here": "passed",
        "latest_audit": "skipped",
    }
    stored = rows(swarm.database, "integration_tests", "test_id")
    assert len(stored) == len(checks)
    async with await open_database(swarm.database) as db:
        recorded = await db.checks.rows_of_run(report["run_id"])
    assert [r.test_name for r in recorded] == [row["test_name"] for row in report["checks"]]
    for row in recorded:
        assert row.run_id == report["run_id"]
        assert row.test_type in (
            "database",
            "messaging",
            "discord",
            "v2_compliance",
            "core_systems",
        )
        assert isinstance(row.test_data, dict)
        assert isinstance(row.expected_result, dict)
        assert row.actual_result
        assert row.actual_result["detail"]
        assert row.test_duration_ms is not None
        assert row.test_duration_ms >= 0
        assert row.executed_at is not None
        assert row.integration_component
        assert (row.test_environment, row.test_agent) == ("test", "ops-tester")
    trip = checks["round_trip"]["actual_result"]
    assert trip["stages"] == ["stored", "claimed", "delivered", "read back", "confirmed"]
    assert trip["removed"] == 1
    assert checks["round_trip"]["test_type"] == "messaging"


async def test_the_round_trip_leaves_no_trace(swarm: Swarm) -> None:
    await prepare(swarm, messages=2)
    before = rows(swarm.database, "agent_messages", "message_id")
    code, _ = await doctor(swarm)
    assert code == 0
    assert rows(swarm.database, "agent_messages", "message_id") == before
    listed = json.loads((await acli(swarm, "agents", "list", "--json")).stdout)
    assert [a["agent_id"] for a in listed] == ["Agent-1", "Agent-2"]
    status = json.loads((await acli(swarm, "status", "--json")).stdout)
    assert status["unrouted"] == {}
    assert sum(status["totals"].values()) == 2
    assert not any(swarm.inbox_dir(a).exists() for a in swarm.agents.values())


async def test_history_lists_past_runs_newest_first(swarm: Swarm) -> None:
    await prepare(swarm)
    first = (await doctor(swarm))[1]["run_id"]
    second = (await doctor(swarm))[1]["run_id"]
    result = await acli(swarm, "doctor", "--history", "--json")
    runs = json.loads(result.stdout)
    assert [r["run_id"] for r in runs] == [second, first]
    assert runs[0]["checks"] == runs[0]["passed"] + runs[0]["failed"] + runs[0]["skipped"]
    table = await acli(swarm, "doctor", "--history")
    assert second in table.stdout
    assert "passed" in table.stdout


async def test_a_corrupted_page_fails_the_integrity_check(swarm: Swarm) -> None:
    await prepare(swarm, messages=40)
    corrupt_index_page(swarm.database)
    code, report = await doctor(swarm)
    assert code == 1
    integrity = by_name(report)["integrity_check"]
    assert integrity["test_status"] == "failed"
    assert integrity["actual_result"]["count"] > 0
    assert any("idx_message_sent_at" in p for p in integrity["actual_result"]["problems"])
    assert report["recorded"]
    stored = {r[1]: r[3] for r in rows(swarm.database, "integration_tests")}
    assert stored["integrity_check"] == "failed"
    table = await acli(swarm, "doctor", env=ENV)
    assert table.exit_code == 1
    assert "failed" in table.stdout


async def test_a_missing_index_fails_the_schema_check(swarm: Swarm) -> None:
    await prepare(swarm)
    execute(swarm.database, "DROP INDEX idx_message_lane")
    code, report = await doctor(swarm)
    assert code == 1
    schema = by_name(report)["schema_constraints"]
    assert schema["test_status"] == "failed"
    assert schema["actual_result"]["missing_indexes"] == ["idx_message_lane"]
    assert schema["expected_result"] == {"missing_checks": [], "missing_indexes": []}
    assert by_name(report)["integrity_check"]["test_status"] == "passed"


async def test_a_row_pointing_nowhere_fails_the_foreign_key_check(swarm: Swarm) -> None:
    await prepare(swarm)
    execute(
        swarm.database,
        "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content) "
        "VALUES ('01M8ZZZZZZZZZZZZZZZZZZZZZZ', 'x', 'Ghost', 'normal', 'hi')",
    )
    code, report = await doctor(swarm)
    assert code == 1
    fk = by_name(report)["foreign_key_check"]
    assert fk["test_status"] == "failed"
    assert fk["actual_result"]["orphan_rows"] == 1


async def test_a_newer_schema_is_one_failed_check_that_cannot_be_recorded(swarm: Swarm) -> None:
    await prepare(swarm)
    execute(
        swarm.database,
        "INSERT INTO schema_migrations (version, description, checksum) VALUES (99, 'x', 'x')",
    )
    code, report = await doctor(swarm)
    assert code == 1
    assert [(r["test_name"], r["test_status"]) for r in report["checks"]] == [
        ("database_open", "failed")
    ]
    assert "schema version 99" in report["checks"][0]["actual_result"]["detail"]
    assert not report["recorded"]
    assert rows(swarm.database, "integration_tests") == []


async def test_heartbeats_fresh_stale_and_stopped(swarm: Swarm) -> None:
    await prepare(swarm)
    old = timefmt.utcnow() - timedelta(minutes=10)
    await heartbeat(swarm, "messaging@fresh")
    await heartbeat(swarm, "messaging@dead", last_health_check=old, heartbeat_interval_seconds=5)
    await heartbeat(swarm, "messaging@stopped", last_health_check=old, system_status="inactive")
    code, report = await doctor(swarm)
    assert code == 1
    checks = by_name(report)
    assert checks["heartbeat messaging@fresh"]["test_status"] == "passed"
    dead = checks["heartbeat messaging@dead"]
    assert dead["test_status"] == "failed"
    assert dead["actual_result"]["stale"] is True
    assert dead["actual_result"]["age_seconds"] >= 600
    assert dead["test_data"] == {"limit_seconds": 15.0}
    assert dead["integration_component"] == "messaging:messaging@dead"
    assert checks["heartbeat messaging@stopped"]["test_status"] == "skipped"


async def test_the_latest_audit_score_passes_or_fails(swarm: Swarm) -> None:
    await prepare(swarm)
    assert by_name((await doctor(swarm))[1])["latest_audit"]["test_status"] == "skipped"
    for score, expected in ((95.0, "passed"), (40.0, "failed")):
        async with await open_database(swarm.database) as db:
            audit = ComplianceAudit(
                component_name="x.py",
                component_type="file",
                compliance_score=score,
                auditor_agent="t",
                run_id=f"run-{score}",
            )
            await db.audits.record_run([audit])
        check = by_name((await doctor(swarm))[1])["latest_audit"]
        assert check["test_status"] == expected
        assert check["actual_result"]["average_score"] == score
        assert check["v2_compliance_check"] is True
        assert check["test_type"] == "v2_compliance"


async def test_discord_token_checked_only_when_the_bot_is_configured(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox", extra="[discord]\nusers = [123456789]\n")
    await prepare(swarm)
    missing = by_name((await doctor(swarm))[1])["discord_token"]
    assert missing["test_status"] == "failed"
    assert "no Discord bot token" in missing["actual_result"]["detail"]
    bad = by_name((await doctor(swarm, env={"SWARMBUS_DISCORD_TOKEN": "Bot " + TOKEN}))[1])
    assert bad["discord_token"]["test_status"] == "failed"
    good = (await doctor(swarm, env={"SWARMBUS_DISCORD_TOKEN": TOKEN}))[1]
    assert by_name(good)["discord_token"]["test_status"] == "passed"
    assert TOKEN not in json.dumps(good)
    assert TOKEN not in json.dumps(rows(swarm.database, "integration_tests"))


async def test_config_problems_fail_the_config_check(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox")
    await prepare(swarm)
    blocker = swarm.path.parent / "inboxes"
    blocker.write_text("a file where the inbox folders should go")
    config = by_name((await doctor(swarm))[1])["config"]
    assert config["test_status"] == "failed"
    assert config["actual_result"]["unusable_inboxes"] == ["Agent-1"]


async def test_a_broken_config_is_a_failed_check_when_db_names_the_database(
    swarm: Swarm,
) -> None:
    await prepare(swarm)
    swarm.path.write_text('[[agents]]\nname = "A"\ntransport = "gui"\n')
    result = await acli(swarm, "--db", swarm.database, "doctor", "--json", env=ENV)
    assert result.exit_code == 1
    checks = by_name(json.loads(result.stdout))
    assert checks["config"]["test_status"] == "failed"
    assert "a gui agent needs its chat-input point" in checks["config"]["actual_result"]["detail"]
    assert checks["integrity_check"]["test_status"] == "passed"
    without_db = await acli(swarm, "doctor")
    assert without_db.exit_code == 2
    assert without_db.stderr.count("\n") == 1


async def test_an_unknown_environment_is_refused_before_anything_is_written(swarm: Swarm) -> None:
    await prepare(swarm)
    result = await acli(swarm, "doctor", env={"SWARMBUS_ENVIRONMENT": "staging"})
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: SWARMBUS_ENVIRONMENT='staging' is not allowed; "
        "use development, test, ci, production"
    )
    assert rows(swarm.database, "integration_tests") == []


@pytest.mark.parametrize(
    ("inbox", "problem"),
    [
        ("/sys/kernel", "cannot write in /sys/kernel"),  # there, a folder, but read-only
        ("/proc/swarmbus-inbox", "cannot write in /proc/swarmbus-inbox"),  # cannot be made
    ],
)
async def test_an_inbox_that_cannot_be_written_fails_the_config_check(
    make_swarm: Callable[..., Swarm], inbox: str, problem: str
) -> None:
    swarm = make_swarm(["Agent-1"], transport="inbox")
    swarm.path.write_text(swarm.path.read_text().replace('"inbox"', f'"inbox"\ninbox = "{inbox}"'))
    await prepare(swarm)
    config = by_name((await doctor(swarm))[1])["config"]
    assert config["test_status"] == "failed"
    assert config["actual_result"]["unusable_inboxes"] == ["Agent-1"]
    assert problem in config["actual_result"]["inbox_problems"]["Agent-1"]


async def test_the_inbox_probe_leaves_nothing_behind(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(["Agent-1", "Agent-2"], transport="inbox")
    (swarm.path.parent / "inboxes" / "Agent-1").mkdir(parents=True)
    await prepare(swarm)
    before = sorted(p.relative_to(swarm.path.parent) for p in swarm.path.parent.rglob("*"))
    config = by_name((await doctor(swarm))[1])["config"]
    assert config["test_status"] == "passed", config
    after = sorted(p.relative_to(swarm.path.parent) for p in swarm.path.parent.rglob("*"))
    assert [p for p in after if "inboxes" in str(p)] == [p for p in before if "inboxes" in str(p)]
