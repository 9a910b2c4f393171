"""swarmbus with its dispatchers as separate `swarmbus run` processes, on either backend.

The sender here (one sequential sender, or many concurrent ones sharing group
commits) stores the messages; the clock stops when none is left in play.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import server_cpu
from common import temp_swarm

from swarmbus.agents.config import Swarm
from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.outbox import compose

FILL_BATCH = 2000  # messages per transaction when a queue is filled for a drain run
PAYLOAD = "x" * 200


async def send_all(bus: Bus, count: int, producers: int) -> None:
    agents = list(bus.configured)

    async def produce(offset: int) -> None:
        for n in range(offset, count, producers):
            await bus.send("bench", agents[n % len(agents)], PAYLOAD)

    async with anyio.create_task_group() as senders:
        for offset in range(producers):
            senders.start_soon(produce, offset)


async def process_run(count: int, producers: int, dispatchers: int, database: str | None) -> float:
    """Messages/s with `dispatchers` separate `swarmbus run` processes delivering."""
    swarm = temp_swarm(agents=8, database=database)
    async with await Bus.open(swarm) as bus, dispatcher_processes(swarm, dispatchers, "bench"):
        start = server_cpu.begin()
        await send_all(bus, count, producers)
        while await _in_play(bus):
            await anyio.sleep(0.01)
        elapsed = server_cpu.end(start)
    return count / elapsed


async def drain_run(count: int, dispatchers: int, database: str | None) -> float:
    """Messages/s for `dispatchers` processes emptying a queue filled in big batches."""
    swarm = temp_swarm(agents=8, database=database)
    async with await Bus.open(swarm) as bus, dispatcher_processes(swarm, dispatchers, "drain"):
        agents = [bus.agent(name) for name in bus.configured]
        envelope = requests.envelope("bench", {})
        start = time.perf_counter()
        for first in range(0, count, FILL_BATCH):
            await bus.outbox.store_all(
                [
                    compose(envelope, agents[n % len(agents)], PAYLOAD, 3)
                    for n in range(first, min(count, first + FILL_BATCH))
                ]
            )
        while await _in_play(bus):
            await anyio.sleep(0.01)
        elapsed = time.perf_counter() - start
    return count / elapsed


@asynccontextmanager
async def dispatcher_processes(swarm: Swarm, count: int, name: str) -> AsyncIterator[list[int]]:
    """`count` `swarmbus run` processes for `swarm`, started and idle, stopped on exit;
    yields their process ids."""
    command = [sys.executable, "-m", "swarmbus", "--config", str(swarm.path), "run", "--name"]
    runners = [
        await anyio.open_process([*command, f"{name}-{n}"], stdout=None, stderr=None)
        for n in range(count)
    ]
    try:
        await anyio.sleep(1.5)  # let them start and go idle
        yield [runner.pid for runner in runners]
    finally:
        for runner in runners:
            runner.terminate()
            await runner.wait()


async def _in_play(bus: Bus) -> int:
    depth = await bus.db.messages.queue_depth()
    return sum(depth.get(status, 0) for status in ("pending", "claimed", "retrying"))
