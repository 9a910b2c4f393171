"""Dispatcher memory: resident set after 1,000 messages flowed through, and after many more.

Runs in a child process of its own (`python bench/memory.py COUNT [DATABASE]`),
so nothing the parent benchmark built is counted. Messages are stored in
batches (a bounded backlog) and delivered by an in-process dispatcher through
a transport that keeps nothing; the process's RSS is read from /proc.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import drop_postgres, temp_postgres, temp_swarm

from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.outbox import compose
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult
from swarmbus.bus.transports.memory import MemoryTransport

BATCH = 2_000  # messages stored per transaction
FIRST = 1_000  # the reading everything is compared with


class Forgetful(MemoryTransport):
    """Delivers without keeping anything (MemoryTransport records every message)."""

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        return DeliveryResult(method="memory", coordinate_status="not_applicable")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def child(count: int, database: str | None) -> dict[str, float]:
    swarm = temp_swarm(agents=8, database=database)
    readings: dict[str, float] = {}
    async with await Bus.open(swarm) as bus:
        dispatcher = Dispatcher(
            bus, {"memory": Forgetful(idempotent=True)}, DispatcherOptions(name="memory")
        )
        agents = [bus.agent(name) for name in bus.configured]
        envelope = requests.envelope("bench", {})
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            stored = 0
            for target in readings_at(count):
                while stored < target:
                    size = min(BATCH, target - stored)
                    rows = [compose(envelope, agents[n % 8], "x" * 200, 3) for n in range(size)]
                    await bus.outbox.store_all(rows)
                    stored += size
                    while dispatcher.stats.delivered < stored - BATCH:
                        await anyio.sleep(0.005)  # keep the backlog bounded
                while dispatcher.stats.delivered < target:
                    await anyio.sleep(0.005)
                readings[str(target)] = rss_mib()
            dispatcher.stop()
    return readings


def readings_at(count: int) -> list[int]:
    """FIRST, then every tenth of the way: a leak climbs, a cache filling up levels off."""
    return sorted({FIRST, *(count * n // 10 for n in range(1, 11) if count * n // 10 > FIRST)})


async def measure(count: int, database: str | None = None) -> tuple[float, float]:
    """(RSS MiB after FIRST messages, RSS MiB after `count`) of a dispatcher process."""
    done = await anyio.run_process(
        [sys.executable, __file__, str(count), *([database] if database else [])]
    )
    readings = json.loads(done.stdout)
    print(
        "dispatcher RSS MiB by messages delivered: "
        + ", ".join(f"{int(n):,}: {mib:.1f}" for n, mib in readings.items()),
        file=sys.stderr,
    )
    return readings[str(FIRST)], readings[str(count)]


if __name__ == "__main__":
    target = int(sys.argv[1])
    print(json.dumps(anyio.run(child, target, sys.argv[2] if len(sys.argv) > 2 else None)))


def on_scratch_postgres(count: int) -> tuple[float, float]:
    """`measure` on a new PostgreSQL database, dropped afterwards."""
    url = temp_postgres()
    try:
        return anyio.run(measure, count, url)
    finally:
        drop_postgres(url)
