"""Bus.watch: one watcher tells a face when the database changed, or cannot be read."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.changes import Change
from tests.conftest import BACKENDS
from tests.processes import REPO

POLL = 0.1


@asynccontextmanager
async def watching(bus: Bus) -> AsyncIterator[list[Change]]:
    """Run `bus.watch` in the background; yield the list its notices land in."""
    seen: list[Change] = []
    async with anyio.create_task_group() as group:
        group.start_soon(bus.watch, seen.append, POLL)
        await anyio.sleep(0.3)  # the listener binds, the first reading is taken
        yield seen
        group.cancel_scope.cancel()


def cli(swarm: Swarm, *args: str) -> None:
    """A swarmbus command in a process of its own (as an agent would run it)."""
    command = [sys.executable, "-m", "swarmbus", "--config", str(swarm.path), *args]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=60)


async def wait_for(condition: Callable[[], bool], within: float) -> float:
    """Seconds until `condition` held; fails after `within` seconds."""
    started = anyio.current_time()
    with anyio.fail_after(within):
        while not condition():
            await anyio.sleep(0.01)
    return anyio.current_time() - started


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_send_from_another_process_is_noticed_within_a_second(
    swarm: Swarm, bus: Bus
) -> None:
    async with watching(bus) as seen:
        before = len(seen)
        await anyio.to_thread.run_sync(cli, swarm, "send", "Agent-1", "hello")
        await wait_for(lambda: len(seen) > before, within=1.0)
    assert all(change.problem is None for change in seen)
    assert [c.generation for c in seen] == list(range(1, len(seen) + 1))


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_write_nobody_announces_is_noticed_within_a_second(swarm: Swarm, bus: Bus) -> None:
    async with watching(bus) as seen:
        before = len(seen)
        # an agent's report announces nothing (no message waits): only the position moves
        await anyio.to_thread.run_sync(
            cli, swarm, "agents", "report", "Agent-2", "--status", "busy"
        )
        await wait_for(lambda: len(seen) > before, within=1.0)


async def test_a_quiet_database_gives_no_notices(bus: Bus) -> None:
    """(SQLite only: a PostgreSQL server's position also moves with other databases.)"""
    async with watching(bus) as seen:
        await anyio.sleep(1.0)
    assert seen == []


async def test_this_processes_own_sends_are_noticed(bus: Bus) -> None:
    async with watching(bus) as seen:
        await bus.send("p", "Agent-1", "from here")
        await wait_for(lambda: len(seen) == 1, within=1.0)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_an_unreachable_database_is_a_notice_with_the_problem_then_a_recovery(
    swarm: Swarm, bus: Bus
) -> None:
    from tests import postgres

    name = urlsplit(swarm.database).path.lstrip("/")
    async with watching(bus) as seen:
        await anyio.to_thread.run_sync(
            postgres.admin,
            f"ALTER DATABASE {name} ALLOW_CONNECTIONS false",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        await wait_for(lambda: any(c.problem for c in seen), within=10.0)
        await anyio.to_thread.run_sync(
            postgres.admin, f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"
        )
        await wait_for(lambda: seen[-1].problem is None, within=15.0)
    problems = [c.problem for c in seen if c.problem]
    assert "connect" in problems[0] or "connection" in problems[0]
