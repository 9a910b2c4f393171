"""Processes the integration tests start: producers and writers sharing one database.

Run as `python -m tests.integration.workers COMMAND ...`; each prints one JSON
line with what it did, so the test can check every acknowledged message.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import anyio

from swarmbus import errors
from swarmbus.agents import config as swarm_config
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.model.systems import SystemStatus


async def produce(
    config: str, count: int, sender: str, concurrency: int, pace: float = 0.0
) -> None:
    """Send `count` messages round-robin to every agent; print the acknowledged ids.

    Each of the `concurrency` tasks waits `pace` seconds between its sends.
    """
    swarm = swarm_config.load(config)
    agents = list(swarm.agents)
    acked: list[str] = []
    failures: list[str] = []
    async with await Bus.open(swarm) as bus:

        async def worker(offset: int) -> None:
            for n in range(offset, count, concurrency):
                try:
                    acked.append(await bus.send(sender, agents[n % len(agents)], f"{sender} #{n}"))
                except errors.BusError as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
                if pace:
                    await anyio.sleep(pace)

        async with anyio.create_task_group() as tg:
            for offset in range(concurrency):
                tg.start_soon(worker, offset)
    print(json.dumps({"acked": acked, "failures": failures}))


async def write_mix(config: str, seconds: float, name: str) -> None:
    """Write messages and heartbeats as fast as possible for `seconds`."""
    swarm = swarm_config.load(config)
    writes = 0
    failures: list[str] = []
    deadline = time.monotonic() + seconds
    async with await Bus.open(swarm) as bus:
        agents = list(swarm.agents)
        while time.monotonic() < deadline:
            try:
                await bus.send(name, agents[writes % len(agents)], f"{name} {writes}")
                await bus.db.systems.heartbeat(
                    SystemStatus(
                        system_id=f"monitoring@{name}",
                        system_name="monitoring",
                        system_status="active",
                        performance_metrics={"writes": writes},
                    )
                )
                writes += 1
            except errors.BusError as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"writes": writes, "failures": failures}))


async def send_and_hang(config: str, to: str) -> None:
    """Send one message, print its id the moment `send` returns, then wait to be killed."""
    swarm = swarm_config.load(config)
    bus = await Bus.open(swarm)
    message_id = await bus.send("victim", to, "acknowledged, then killed")
    print(message_id, flush=True)
    await anyio.sleep(3600)


def skew_clock(seconds: float) -> None:
    """Make this process's clock (the one swarmbus reads) run `seconds` ahead."""
    real = timefmt.utcnow
    timefmt.utcnow = lambda: real() + timedelta(seconds=seconds)  # type: ignore[assignment]


async def dispatch_skewed(config: str, skew: float, seconds: float) -> None:
    """Dispatch with a memory transport for `seconds` on a skewed clock; print what it got."""
    skew_clock(skew)
    swarm = swarm_config.load(config)
    transport = MemoryTransport(concurrency=1)
    async with await Bus.open(swarm) as bus:
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(monitor=False))
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            await anyio.sleep(seconds)
            dispatcher.stop()
    print(json.dumps({"delivered": [m.message_id for m in transport.delivered]}))


async def send_skewed(config: str, skew: float, to: str, body: str) -> None:
    """Send one message on a skewed clock; print its id."""
    skew_clock(skew)
    async with await Bus.open(swarm_config.load(config)) as bus:
        print(await bus.send("skewed", to, body))


async def reserve_race(config: str, agent: str, project: str, start: float) -> None:
    """Wait until the wall clock reaches `start`, then reserve `src/race.py` exclusively; print
    what was granted and who it conflicted with."""
    swarm = swarm_config.load(config)
    async with await Bus.open(swarm) as bus:
        await anyio.sleep(max(0.0, start - time.time()))
        grant = await bus.reserve(agent, ["src/race.py"], project, reason=f"{agent} races")
    granted = [r.pattern for r in grant.granted]
    print(json.dumps({"granted": granted, "conflicts": [c.holder for c in grant.conflicts]}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "produce":
        pace = float(args[4]) if len(args) > 4 else 0.0
        anyio.run(produce, args[0], int(args[1]), args[2], int(args[3]), pace)
    elif command == "send-and-hang":
        anyio.run(send_and_hang, args[0], args[1])
    elif command == "dispatch-skewed":
        anyio.run(dispatch_skewed, args[0], float(args[1]), float(args[2]))
    elif command == "send-skewed":
        anyio.run(send_skewed, args[0], float(args[1]), args[2], args[3])
    elif command == "reserve-race":
        anyio.run(reserve_race, args[0], args[1], args[2], float(args[3]))
    elif command == "write-mix":
        anyio.run(write_mix, args[0], float(args[1]), args[2])
    else:
        raise SystemExit(f"unknown command {command!r}")
