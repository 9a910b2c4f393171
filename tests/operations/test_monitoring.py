"""The monitor loop in `swarmbus run`: stale systems marked, its own row, the coordination row."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus
from tests.conftest import BACKENDS
from tests.processes import dispatcher

INTERVAL = 0.2  # seconds: the dispatchers' heartbeat and the monitor's pass


def systems(path: Path | str) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute("SELECT * FROM core_systems_status").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        conn.close()
    rows = {row["system_id"]: dict(row) for row in found}
    for row in rows.values():
        for key in ("performance_metrics", "monitoring_alerts", "system_configuration"):
            row[key] = json.loads(row[key]) if row[key] else None
    return rows


async def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.05)


async def test_the_monitor_marks_a_killed_dispatcher_stale(
    make_swarm: Callable[..., Swarm], reaper: list[subprocess.Popen[str]]
) -> None:
    swarm = make_swarm(
        ["Agent-1", "Agent-2"],
        transport="inbox",
        bus={"heartbeat_seconds": INTERVAL},
        extra=f"[monitoring]\ninterval_seconds = {INTERVAL}\n",
    )
    async with await Bus.open(swarm):
        pass  # the database exists before anyone reads it
    alpha, beta = dispatcher(swarm, "--name", "alpha"), dispatcher(swarm, "--name", "beta")
    reaper += [alpha, beta]
    names = {"alpha", "beta", "monitoring@alpha", "monitoring@beta", "coordination@alpha"}
    await wait_for(lambda: names <= set(systems(swarm.database)))
    beta.kill()  # SIGKILL: no last heartbeat, no 'inactive'
    await anyio.to_thread.run_sync(beta.communicate)

    def marked() -> bool:
        return str(systems(swarm.database)["beta"]["status_detail"]).startswith("stale:")

    await wait_for(marked)
    row = systems(swarm.database)["beta"]
    assert row["system_status"] == "error"
    assert row["error_count"] == 1
    alert = row["monitoring_alerts"][-1]
    assert alert["alert"] == "stale"
    assert alert["by"] == "monitoring@alpha"
    assert alert["limit_seconds"] == pytest.approx(3 * INTERVAL)
    assert alert["age_seconds"] >= alert["limit_seconds"]  # not marked before it was stale
    assert "marked by monitoring@alpha" in row["status_detail"]
    await wait_for(lambda: "monitoring@beta" in _alerted(swarm))

    passes = systems(swarm.database)["monitoring@alpha"]["performance_metrics"]["passes"]
    await wait_for(
        lambda: (
            systems(swarm.database)["monitoring@alpha"]["performance_metrics"]["passes"]
            >= passes + 3
        )
    )
    current = systems(swarm.database)
    assert current["beta"]["error_count"] == 1  # marked once per silence
    monitor = current["monitoring@alpha"]
    assert monitor["system_name"] == "monitoring"
    assert monitor["health_score"] < 100
    assert monitor["performance_metrics"]["marked_stale_total"] >= 2
    assert monitor["system_configuration"]["interval_seconds"] == INTERVAL
    assert json.loads(monitor["integration_dependencies"]) == [
        "database",
        "core_systems_status",
        "agent_workspaces",
    ]
    assert current["coordination@alpha"]["system_name"] == "coordination"

    alpha.send_signal(signal.SIGTERM)
    _, err = await anyio.to_thread.run_sync(alpha.communicate)
    assert alpha.returncode == 0, err
    stopped = systems(swarm.database)
    assert {stopped[n]["system_status"] for n in ("alpha", "monitoring@alpha")} == {"inactive"}
    assert stopped["coordination@alpha"]["system_status"] == "inactive"


def _alerted(swarm: Swarm) -> set[str]:
    alerts = systems(swarm.database)["monitoring@alpha"]["monitoring_alerts"] or []
    return {a["system_id"] for a in alerts}


async def test_a_fresh_heartbeat_clears_the_mark_and_a_new_silence_marks_again(
    swarm: Swarm,
) -> None:
    async with await Bus.open(swarm) as bus:
        monitor = Dispatcher(bus, {"memory": MemoryTransport()}).monitor
        assert monitor is not None
        old = timefmt.utcnow() - timedelta(minutes=5)
        silent = SystemStatus(
            system_id="discord@x", system_name="discord", system_status="active",
            last_health_check=old, error_count=2,
        )  # fmt: skip
        await bus.db.systems.heartbeat(silent)
        await monitor.check()
        await monitor.check()
        marked = await bus.db.systems.get("discord@x")
        assert marked is not None
        assert (marked.system_status, marked.error_count) == ("error", 3)
        assert len(marked.monitoring_alerts or []) == 1
        own = await bus.db.systems.get(monitor.system_id)
        assert own is not None
        assert own.health_score == 0.0  # the one system it watches is stale
        assert [a["system_id"] for a in own.monitoring_alerts or []] == ["discord@x"]

        await bus.db.systems.heartbeat(
            silent.model_copy(update={"last_health_check": timefmt.utcnow()})
        )
        await monitor.check()
        revived = await bus.db.systems.get("discord@x")
        assert revived is not None
        assert (revived.system_status, revived.status_detail) == ("active", None)
        assert revived.error_count == 3  # the heartbeat does not erase the monitor's mark
        assert (await bus.db.systems.get(monitor.system_id)).health_score == 100.0  # type: ignore[union-attr]

        await bus.db.systems.heartbeat(silent)
        await monitor.check()
        again = await bus.db.systems.get("discord@x")
        assert again is not None
        assert (again.system_status, again.error_count) == ("error", 4)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_error_counts_accumulate_across_beats_and_restarts(swarm: Swarm) -> None:
    row = SystemStatus(system_id="messaging@x", system_name="messaging", system_status="active")
    async with await Bus.open(swarm) as bus:
        for own in (0, 2, 5):  # one writer's own running count
            await bus.db.systems.heartbeat(row.model_copy(update={"error_count": own}))
        assert (await bus.db.systems.get("messaging@x")).error_count == 5  # type: ignore[union-attr]
    async with await Bus.open(swarm) as restarted:  # a new process counts from zero again
        await restarted.db.systems.heartbeat(row.model_copy(update={"error_count": 1}))
        assert (await restarted.db.systems.get("messaging@x")).error_count == 6  # type: ignore[union-attr]
