"""`swarmbus agents report`: the columns it updates, coordination efficiency, and where it shows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from swarmbus.agents import coordination
from swarmbus.agents.config import Swarm
from swarmbus.agents.reports import coordination_efficiency
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.status import status_report
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.storage.database import open_database
from swarmbus.storage.history import DeliveryHistory
from tests.discord import discord  # noqa: F401  (imports discord.py quietly, for the embed)
from tests.operations.conftest import acli, acli_json, execute


def workspace(path: Path | str, agent: str) -> dict[str, Any]:
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM agent_workspaces WHERE agent_id = ?", (agent,))
        return dict(row.fetchone())
    finally:
        conn.close()


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {key for key in before if before[key] != after[key]}


@pytest.fixture
def swarm(make_swarm: Callable[..., Swarm]) -> Swarm:
    return make_swarm(["Agent-1", "Agent-2"])


async def test_a_report_updates_exactly_its_columns(swarm: Swarm) -> None:
    async with await Bus.open(swarm) as bus:
        await bus.db.workspaces.set_v2_compliance("Agent-1", 88.5)
    before = workspace(swarm.database, "Agent-1")
    other = workspace(swarm.database, "Agent-2")
    first = await acli_json(
        swarm, "agents", "report", "Agent-1", "--status", "busy", "--focus", "tests", "--cycle"
    )
    after = workspace(swarm.database, "Agent-1")
    assert changed(before, after) == {
        "status",
        "current_focus",
        "last_cycle",
        "cycle_count",
        "last_updated",
    }
    assert (after["status"], after["current_focus"], after["cycle_count"]) == ("busy", "tests", 1)
    assert after["last_cycle"] == after["last_updated"]
    assert first["v2_compliance"] == 88.5  # from the audit, untouched by reports
    assert workspace(swarm.database, "Agent-2") == other

    done = await acli_json(swarm, "agents", "report", "Agent-1", "-s", "idle", "--task-done")
    later = workspace(swarm.database, "Agent-1")
    assert changed(after, later) == {"status", "tasks_completed", "last_updated"}
    assert (done["current_focus"], done["cycle_count"], done["tasks_completed"]) == ("tests", 1, 1)

    cleared = await acli_json(swarm, "agents", "report", "Agent-1", "-s", "blocked", "--focus", "")
    assert cleared["current_focus"] is None
    line = await acli(swarm, "agents", "report", "Agent-1", "-s", "busy", "--cycle", "--task-done")
    assert line.stdout.strip() == (
        "Agent-1: busy, focus -, 2 cycles, 2 tasks, coordination 0%, V2 88%"
    )


def finished(status: str, retries: int = 0, latency: float = 0.0) -> dict[str, Any]:
    sent = timefmt.utcnow()
    done = sent + timedelta(seconds=latency)
    return {
        "delivery_status": status,
        "retry_count": retries,
        "sent_at": timefmt.to_text(sent),
        "processed_at": timefmt.to_text(done),
    }


def test_the_coordination_efficiency_formula() -> None:
    assert coordination_efficiency([]) is None
    assert coordination_efficiency([finished("delivered")]) == 100.0
    assert coordination_efficiency([finished("delivered", latency=60)]) == 50.0
    assert coordination_efficiency([finished("delivered", retries=1)]) == 0.0
    mix = [finished("delivered"), finished("failed", 3), finished("expired"), finished("delivered")]
    assert coordination_efficiency(mix) == 50.0


def test_a_required_ack_that_missed_its_deadline_counts_nothing() -> None:
    now = timefmt.utcnow()

    def acked(due_in: float, acked_after: float | None) -> dict[str, Any]:
        at = None if acked_after is None else timefmt.to_text(now + timedelta(seconds=acked_after))
        due = timefmt.to_text(now + timedelta(seconds=due_in))
        return {**finished("delivered"), "ack_due_at": due, "acked_at": at, "db_now": clock}

    clock = timefmt.to_text(now + timedelta(seconds=100))  # the database's clock
    assert coordination_efficiency([acked(60, None)]) == 0.0  # overdue by the database
    assert coordination_efficiency([acked(600, None)]) == 100.0  # not due yet
    assert coordination_efficiency([acked(60, 30)]) == 100.0  # acked in time
    assert coordination_efficiency([acked(60, 90)]) == 0.0  # acked late
    assert coordination_efficiency([acked(60, None), finished("delivered")]) == 50.0


async def test_efficiency_comes_from_the_agents_own_deliveries(swarm: Swarm) -> None:
    def fail_once(message: Any, before: int) -> str | None:
        return "busy window" if message.content == "flaky" and before == 0 else None

    async with await Bus.open(swarm) as bus:
        for content in ("one", "two", "three", "flaky"):
            await bus.send("tester", "Agent-1", content)
        transport = MemoryTransport(fail=fail_once)
        await Dispatcher(bus, {"memory": transport}, DispatcherOptions(monitor=False)).run(
            once=True
        )
    assert len(transport.delivered) == 4
    report = await acli_json(swarm, "agents", "report", "Agent-1", "--status", "idle")
    async with await open_database(swarm.database) as db:
        finished = await DeliveryHistory(db.connector).finished_to("Agent-1", 100)
    assert [m["retry_count"] for m in finished] == [1, 0, 0, 0]  # newest first: "flaky" retried
    assert report["coordination_efficiency"] == coordination_efficiency(finished)
    assert 70.0 < report["coordination_efficiency"] <= 75.0  # 3 of 4 first time, quickly
    assert workspace(swarm.database, "Agent-2")["coordination_efficiency"] == 0.0


async def test_reports_show_in_agents_list_status_and_discord(swarm: Swarm) -> None:
    await acli_json(swarm, "agents", "report", "Agent-2", "-s", "blocked", "--focus", "CI is red")
    listed = {a["agent_id"]: a for a in await acli_json(swarm, "agents", "list")}
    assert listed["Agent-2"]["current_focus"] == "CI is red"
    table = await acli(swarm, "agents", "list")
    assert "CI is red" in table.stdout
    assert "coord %" in table.stdout
    status = await acli_json(swarm, "status")
    line = next(a for a in status["agents"] if a["name"] == "Agent-2")
    assert (line["status"], line["focus"]) == ("blocked", "CI is red")
    from swarmbus.discord_bot.embeds import agents_embed

    async with await Bus.open(swarm) as bus:
        embed = agents_embed(await status_report(bus))
    assert "**Agent-2** · memory · blocked · 0 waiting · CI is red · 0 tasks" in str(
        embed.description
    )
    assert "**Agent-1** · memory · unknown · 0 waiting\n" in f"{embed.description}\n"


async def test_coordination_counts_agents_that_reported_in_their_interval(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(["Agent-1", "Agent-2", "Agent-3", "Agent-4", "Agent-5"])
    for name, status in (("Agent-1", "busy"), ("Agent-2", "idle"), ("Agent-4", "offline")):
        await acli_json(swarm, "agents", "report", name, "--status", status)
    await acli_json(swarm, "agents", "report", "Agent-5", "--status", "blocked")
    execute(
        swarm.database,
        "UPDATE agent_workspaces SET last_updated = '2020-01-01T00:00:00.000Z' "
        "WHERE agent_id = 'Agent-2'",
    )
    async with await open_database(swarm.database) as db:
        rows = await db.workspaces.list()
    now = timefmt.utcnow()
    who = coordination.Identity("coordination@test", "host", 5.0, now)
    row = coordination.status_row(swarm, rows, now, who)
    assert row.system_name == "coordination"
    assert row.health_score == 50.0  # Agent-1 and Agent-5 of 4 expected (Agent-4 is offline)
    metrics = row.performance_metrics or {}
    assert metrics["agents_expected"] == 4
    assert metrics["agents_late"] == ["Agent-2"]
    assert metrics["agents_never_reported"] == ["Agent-3"]
    assert metrics["agents_offline"] == ["Agent-4"]
    assert metrics["by_status"] == {"blocked": 1, "busy": 1, "idle": 1, "offline": 1, "unknown": 1}
    assert row.monitoring_alerts == [
        {"agent": "Agent-2", "alert": "late report"},
        {"agent": "Agent-3", "alert": "never reported"},
        {"agent": "Agent-5", "alert": "blocked"},
    ]
    assert (row.system_configuration or {})["agent_report_seconds"] == 900.0
    assert row.integration_dependencies == [
        "database",
        "agent_workspaces",
        "swarmbus agents report",
    ]
    assert row.status_detail == (
        "2 of 4 agents reported on time; late: Agent-2; never reported: Agent-3"
    )
