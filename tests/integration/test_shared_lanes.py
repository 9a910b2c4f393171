"""Dispatchers that reach the same agents split them (bus/sharing.py), on both backends:
each message is delivered once, by the dispatcher its agent went to; a peer's agents
wait for it while it lives, and go to another once it stops or falls silent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.sharing import REACHES
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model.systems import SystemStatus
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
AGENTS = ["Agent-1", "Agent-2", "Agent-3"]
FOLLOW = 0.05  # seconds between reads of the peers: they know each other at once


@asynccontextmanager
async def running(swarm: Swarm, name: str, sweep: float) -> AsyncIterator[Dispatcher]:
    """A dispatcher of its own bus (its own connection and wake-ups), run until exit."""
    options = DispatcherOptions(name=name, sweep=sweep, peers_every=FOLLOW, monitor=False)
    async with await Bus.open(swarm) as bus, anyio.create_task_group() as tg:
        dispatcher = Dispatcher(bus, {"memory": MemoryTransport(idempotent=True)}, options)
        tg.start_soon(dispatcher.run)
        yield dispatcher
        dispatcher.stop()


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    with anyio.fail_after(seconds):
        while not condition():
            await anyio.sleep(0.01)


def delivered(dispatcher: Dispatcher) -> list[str]:
    transport = dispatcher.ctx.transports["memory"]
    assert isinstance(transport, MemoryTransport)
    return [m.message_id for m in transport.delivered]


async def test_two_dispatchers_deliver_each_message_once_each_to_its_own_agents(
    swarm: Swarm, bus: Bus
) -> None:
    async with running(swarm, "messaging@a", 60) as a, running(swarm, "messaging@b", 60) as b:
        await until(lambda: any(map(a.ctx.shares.leaves, AGENTS)))
        await until(lambda: any(map(b.ctx.shares.leaves, AGENTS)))
        await anyio.sleep(0.1)  # the sweep each makes on first seeing the other is done
        sent = {await bus.send("person", AGENTS[n % 3], f"m{n}"): AGENTS[n % 3] for n in range(30)}
        await until(lambda: len(delivered(a)) + len(delivered(b)) >= len(sent))
        await anyio.sleep(0.1)
    assert sorted(delivered(a) + delivered(b)) == sorted(sent)  # each once
    for dispatcher in (a, b):
        assert delivered(dispatcher), dispatcher.name  # each took its share
        assert all(dispatcher.ctx.shares.owns(sent[m]) for m in delivered(dispatcher))


async def test_a_peers_agents_wait_while_it_lives_and_move_when_it_stops(
    swarm: Swarm, bus: Bus
) -> None:
    await bus.db.systems.heartbeat(ghost("active"))
    async with running(swarm, "messaging@a", 60) as a:
        await until(lambda: any(map(a.ctx.shares.leaves, AGENTS)))
        await anyio.sleep(0.1)
        left = [agent for agent in AGENTS if a.ctx.shares.leaves(agent)]
        sent = {agent: await bus.send("person", agent, "hello") for agent in AGENTS}
        await until(lambda: len(delivered(a)) == len(AGENTS) - len(left))
        await anyio.sleep(0.3)
        assert sorted(delivered(a)) == sorted(sent[x] for x in AGENTS if x not in left)
        await bus.db.systems.heartbeat(ghost("inactive"))  # stopped: its agents move
        await until(lambda: len(delivered(a)) == len(AGENTS), seconds=5)
    assert sorted(delivered(a)) == sorted(sent.values())


async def test_a_silent_peers_agents_are_swept_every_sweep(swarm: Swarm, bus: Bus) -> None:
    """A peer whose heartbeat still looks fresh but that claims nothing (hung, or just
    killed) holds its agents' messages back for a sweep at most."""
    await bus.db.systems.heartbeat(ghost("active"))
    async with running(swarm, "messaging@a", 0.2) as a:
        await until(lambda: any(map(a.ctx.shares.leaves, AGENTS)))
        sent = [await bus.send("person", agent, "hello") for agent in AGENTS]
        await until(lambda: len(delivered(a)) == len(AGENTS), seconds=5)
    assert sorted(delivered(a)) == sorted(sent)


def ghost(state: str) -> SystemStatus:
    """The heartbeat of a dispatcher that reaches every agent and delivers nothing."""
    return SystemStatus.model_validate(
        {
            "system_id": "messaging@ghost",
            "system_name": "messaging",
            "system_status": state,
            "heartbeat_interval_seconds": 60,
            "system_configuration": {REACHES: AGENTS},
        }
    )
