"""Racing reservations: 8 processes on one SQLite file, 2 connections (pools, as two hosts
have) on PostgreSQL. A grant reads and writes under the project's lock, so exactly one wins."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.model.reservations import Grant
from tests.processes import worker


@pytest.fixture
def project(tmp_path: Path) -> str:
    return str(tmp_path / "repo")


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_eight_processes_race_for_one_path_and_exactly_one_wins(
    make_swarm: Callable[..., Swarm], project: str
) -> None:
    names = [f"Agent-{n}" for n in range(1, 9)]
    swarm = make_swarm(names)
    async with await Bus.open(swarm):  # created and migrated before the race starts
        pass
    start = time.time() + 3.0  # every process is up and connected by then
    racers = [worker("reserve-race", str(swarm.path), name, project, str(start)) for name in names]
    results = [json.loads(finish(racer).strip().splitlines()[-1]) for racer in racers]
    winners = [name for name, r in zip(names, results, strict=True) if r["granted"]]
    assert len(winners) == 1, results
    assert all(r["conflicts"] == winners for r in results if not r["granted"])
    async with await Bus.open(swarm) as bus:
        [held] = await bus.reservations(project)
    assert held.agent_id == winners[0]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_two_connections_race_for_one_path_and_exactly_one_wins(
    make_swarm: Callable[..., Swarm], project: str
) -> None:
    """Two buses, two connection pools (as two hosts would have), 25 rounds of a race."""
    swarm = make_swarm()

    async def race(bus: Bus, agent: str, path: str, results: dict[str, Grant]) -> None:
        results[agent] = await bus.reserve(agent, [path], project)

    async with await Bus.open(swarm) as first, await Bus.open(swarm) as second:
        for round_ in range(25):
            results: dict[str, Grant] = {}
            async with anyio.create_task_group() as tg:
                tg.start_soon(race, first, "Agent-1", f"src/{round_}.py", results)
                tg.start_soon(race, second, "Agent-2", f"src/{round_}.py", results)
            winners = [agent for agent, grant in results.items() if grant.granted]
            assert len(winners) == 1, (round_, results)
        assert len(await first.reservations(project)) == 25
