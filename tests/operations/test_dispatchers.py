"""Several dispatchers on one host each keep a row; a database that fails ends a run in one line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

from swarmbus import errors
from swarmbus.agents.config import Swarm
from swarmbus.agents.registry import this_host
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.doctor import Visit, run_doctor
from swarmbus.bus.naming import candidates, dispatcher_name
from swarmbus.bus.status import status_report
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus
from tests.conftest import BACKENDS
from tests.operations.conftest import acli_json
from tests.operations.test_monitoring import INTERVAL, systems, wait_for
from tests.processes import dispatcher

HOST = this_host()
FIRST, SECOND = candidates(HOST)[:2]


def row(system_id: str, status: str = "active", age: float = 0.0) -> SystemStatus:
    return SystemStatus(
        system_id=system_id,
        system_name="messaging",
        system_status=status,  # type: ignore[arg-type]
        heartbeat_interval_seconds=5,
        last_health_check=timefmt.utcnow() - timedelta(seconds=age),
        error_count=2,
    )


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_names_are_taken_in_order_and_reused_once_free(bus: Bus) -> None:
    assert await dispatcher_name(bus) == FIRST
    assert await dispatcher_name(bus) == SECOND  # the first one's heartbeat is fresh
    await bus.db.systems.heartbeat(row(FIRST, status="inactive"))
    assert await dispatcher_name(bus) == FIRST  # stopped: taken again, no new row
    await bus.db.systems.heartbeat(row(SECOND, age=60))  # went silent: its dispatcher died
    assert await dispatcher_name(bus) == SECOND
    taken = await bus.db.systems.get(SECOND)
    assert taken is not None
    assert (taken.status_detail, taken.error_count) == ("starting", 2)  # history kept
    assert len(await bus.db.systems.list()) == 2
    assert await dispatcher_name(bus, "mine") == "mine"
    with pytest.raises(errors.UsageError, match="--name 'mine' belongs to a dispatcher"):
        await dispatcher_name(bus, "mine")


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_dispatchers_starting_at_once_never_share_a_name(swarm: Swarm) -> None:
    taken: list[str] = []

    async def start() -> None:
        async with await Bus.open(swarm) as bus:  # a connection of its own, as a process has
            taken.append(await dispatcher_name(bus))

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(start)
    assert sorted(taken) == sorted(candidates(HOST)[:6])


async def test_systems_stopped_long_ago_leave_status_and_doctor(bus: Bus) -> None:
    await bus.db.systems.heartbeat(row("messaging@old", status="inactive", age=2 * 86_400))
    await bus.db.systems.heartbeat(row("messaging@recent", status="inactive", age=60))
    report = await status_report(bus)
    assert [s.system_id for s in report.systems] == ["messaging@recent"]
    assert report.stopped_long_ago == 1
    checked = await run_doctor(Visit(bus.swarm.database, bus.swarm))
    names = [row.test_name for row in checked.rows if row.test_name.startswith("heartbeat")]
    assert names == ["heartbeat messaging@recent"]


async def test_two_dispatchers_a_row_each_and_stopping_one_leaves_the_other_active(
    make_swarm: Callable[..., Swarm], reaper: list[subprocess.Popen[str]]
) -> None:
    swarm = make_swarm(
        ["Agent-1"],
        transport="inbox",
        bus={"heartbeat_seconds": INTERVAL},
        extra=f"[monitoring]\ninterval_seconds = {INTERVAL}\n",
    )
    async with await Bus.open(swarm):
        pass
    first = dispatcher(swarm)
    reaper.append(first)
    await wait_for(
        lambda: (
            systems(swarm.database).get(FIRST, {}).get("status_detail") not in (None, "starting")
        )
    )
    second = dispatcher(swarm)
    reaper.append(second)
    # the second dispatcher writes its messaging row, then its monitor's: wait for both
    await wait_for(lambda: {SECOND, f"monitoring@{HOST}#2"} <= set(systems(swarm.database)))
    second.send_signal(signal.SIGTERM)
    _, err = await anyio.to_thread.run_sync(second.communicate)
    assert second.returncode == 0, err
    status = await acli_json(swarm, "status")
    states = {s["system_id"]: s["system_status"] for s in status["systems"]}
    assert (states[FIRST], states[SECOND]) == ("active", "inactive")
    doctor = await acli_json(swarm, "doctor")
    checks = {c["test_name"]: c["test_status"] for c in doctor["checks"]}
    assert checks[f"heartbeat {FIRST}"] == "passed"
    assert checks[f"heartbeat {SECOND}"] == "skipped"
    first.send_signal(signal.SIGTERM)
    _, err = await anyio.to_thread.run_sync(first.communicate)
    assert first.returncode == 0, err
    again = dispatcher(swarm, "--once")  # takes the first name again: rows do not pile up
    _, err = await anyio.to_thread.run_sync(again.communicate)
    assert again.returncode == 0, err
    messaging = [s for s in systems(swarm.database) if s.startswith("messaging@")]
    assert sorted(messaging) == [FIRST, SECOND]


async def test_claims_failing_in_a_row_are_timed_and_reset(swarm: Swarm) -> None:
    async with await Bus.open(swarm) as bus:
        running = Dispatcher(bus, {"memory": MemoryTransport()}, DispatcherOptions(name="d"))
        real = bus.db.claims.claim

        async def broken(*args: object, **kwargs: object) -> object:
            raise errors.StorageError("disk I/O error")

        bus.db.claims.claim = broken  # type: ignore[method-assign]
        async with anyio.create_task_group() as tg:
            tg.start_soon(running.run)
            await wait_for(lambda: running.stats.errors >= 2)
            since = running.failing_since
            assert since is not None
            assert since < time.monotonic()
            assert running.last_claim_error == "disk I/O error"
            await anyio.sleep(0.3)
            assert running.failing_since == since  # the first failure of the run of them
            bus.db.claims.claim = real  # type: ignore[method-assign]
            running.ctx.wake.set()
            await wait_for(lambda: running.failing_since is None)
            running.stop()


async def test_a_lanes_failed_record_stands_until_a_write_succeeds(swarm: Swarm) -> None:
    """A full disk with reads still working: a lane cannot record its delivery, and the
    claims after it take nothing, so write nothing. They must not report the database
    well: it counts as failing, with the lane's error, until a write succeeds."""
    async with await Bus.open(swarm) as bus:
        disk = {"full": True}

        def failing(write: Any) -> Any:  # every write fails while the disk is full
            async def written(*args: Any, **kwargs: Any) -> Any:
                if disk["full"]:
                    raise errors.StorageError("cannot write database (disk full)")
                return await write(*args, **kwargs)

            return written

        bus.db.claims.settle = failing(bus.db.claims.settle)  # type: ignore[method-assign]
        bus.db.systems.heartbeat = failing(bus.db.systems.heartbeat)  # type: ignore[method-assign]
        running = Dispatcher(bus, {"memory": MemoryTransport()}, DispatcherOptions(name="d"))
        await bus.send("p", "Agent-1", "recorded nowhere")
        async with anyio.create_task_group() as tg:
            tg.start_soon(running.run)
            await wait_for(lambda: running.ctx.failed_write is not None)
            running.ctx.wake.set()  # a claim that takes nothing
            await wait_for(lambda: running.failing_since is not None)
            assert running.last_claim_error == "cannot write database (disk full)"
            disk["full"] = False
            await running.heartbeat.beat("active")  # a write that succeeds
            running.ctx.wake.set()
            await wait_for(lambda: running.failing_since is None)
            assert not running.ctx.db_error
            running.stop()


def full_disk_run(folder: Path, *args: str) -> subprocess.Popen[str]:
    """`swarmbus run ARGS` allowed to write files of at most 32 KiB: the log soon cannot grow."""
    command = f'ulimit -f 32 && exec "{sys.executable}" -m swarmbus run "$@"'
    return subprocess.Popen(
        ["bash", "-c", command, "-", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def cli_swarm(tmp_path: Path) -> Path:
    def swarmbus(*args: str) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "swarmbus", *args], cwd=tmp_path, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr

    swarmbus("init", "--transport", "inbox")
    for n in range(3):  # 40 KB each: a record of one rewrites more log than 32 KiB holds
        swarmbus("send", "Agent-2", f"message {n} " + "x" * 40_000)
    return tmp_path


def test_run_once_gives_up_on_a_full_disk_in_one_line(cli_swarm: Path) -> None:
    started = time.monotonic()
    process = full_disk_run(cli_swarm, "--once", "--give-up-after", "1s", "--json")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert time.monotonic() - started < 30
    assert err.count("\n") == 1, err
    assert err.startswith("error: "), err
    assert "swarmbus.db" in err
    assert "Traceback" not in err
    if "gave up" in err:  # it failed while delivering (not already when it opened)
        assert err.startswith("error: gave up after 1 s: the database swarmbus.db kept failing")
        assert json.loads(out)["delivered"] == 0


def test_run_stopped_while_the_disk_is_full_exits_1(cli_swarm: Path) -> None:
    process = full_disk_run(cli_swarm)
    time.sleep(4)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    last = err.strip().splitlines()[-1]
    assert "swarmbus.db" in last
    assert last.startswith(("error: stopped while the database", "error: cannot write"))
