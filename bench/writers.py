"""Many writers: PROCESSES producer processes send through the Python API into one SQLite
file while a dispatcher in this process delivers.

Each producer sends its messages one at a time (every `send` committed before
it returns, group commit shares nothing across processes), counts lock errors
(`DatabaseBusy`) instead of stopping, and prints its count and its errors. All
start together at a moment written on their command line. The rate is every
send over the time from that moment to the last producer's last send; after
the dispatcher has drained the queue, every message must have been delivered
exactly once.

The reference, from the same run: as many plain sqlite3 processes each storing
as many messages, one committed INSERT of the same statement into the same
schema at a time, SQLite's own busy handler waiting for the lock; nothing
delivers them. What the contract's table and its indexes cost at least.

Paced senders (`paced`): PACED_PROCESSES processes each send one message every
PACED_GAP seconds while the dispatcher delivers, the way a few agents send, and
report how long each `send` took; beside them, as many plain sqlite3 processes
inserting at the same pace, waiting in SQLite's own busy handler, which sleeps
1, 2, 5, 10 ms between looks at a lock that is held for a tenth of one.

The write-ahead log file's size at the end: steady writers starve PASSIVE
checkpoints, and a log that never starts over grew to 833 MB here; one started
over is cut back to 64 MiB.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import anyio
from common import percentile, temp_swarm

from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport

PROCESSES = 8
SENDS = 2_000
PACED_PROCESSES = 4
PACED_SENDS = 500
PACED_GAP = 0.002  # seconds between one process's sends

PRODUCER = """
import json, sys, time, anyio
from swarmbus import errors
from swarmbus.agents import config
from swarmbus.bus.api import Bus

async def main(path, count, start_at, index, gap):
    async with await Bus.open(config.load(path, {})) as bus:
        agents = list(bus.configured)
        await anyio.sleep(max(0.0, start_at - time.time()))
        sent = busy = 0
        took = []
        cpu = time.process_time()
        for n in range(count):
            if gap:
                await anyio.sleep(gap)
            started = time.perf_counter()
            try:
                await bus.send(f"writer-{index}", agents[n % len(agents)], "x" * 200)
                sent += 1
            except errors.DatabaseBusy:
                busy += 1
            took.append(time.perf_counter() - started)
        report = {"sent": sent, "busy": busy, "done": time.time(), "took": took}
        print(json.dumps(report | {"cpu": time.process_time() - cpu}))

anyio.run(main, sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
          float(sys.argv[5]))
"""


RAW = """
import json, sys, time, sqlite3
from swarmbus.model import ids
from swarmbus.model.messages import NewMessage
from swarmbus.storage import queries
from swarmbus.storage.messages import _insert_params

path, count, start_at, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
db.execute("PRAGMA synchronous = NORMAL")
insert = queries.load("sqlite")["insert_message"]
message = NewMessage(from_agent="raw", to_agent="Agent-1", content="x" * 200)
time.sleep(max(0.0, start_at - time.time()))
took = []
for _ in range(count):
    if gap:
        time.sleep(gap)
    started = time.perf_counter()
    message_id = ids.new_id()
    db.execute("BEGIN IMMEDIATE")
    db.execute(insert, _insert_params(message, message_id, message_id))
    db.execute("COMMIT")
    took.append(time.perf_counter() - started)
print(json.dumps({"done": time.time(), "took": took}))
"""


async def raw_floor(
    processes: int = PROCESSES, sends: int = SENDS, gap: float = 0.0
) -> tuple[float, list[float]]:
    """Committed single-message inserts per second from `processes` plain sqlite3
    processes into a fresh swarm database, and how long each took (seconds)."""
    swarm = temp_swarm(agents=1)
    async with await Bus.open(swarm):
        pass  # the schema
    start_at = time.time() + 1.0
    reports: list[dict[str, Any]] = []

    async def write() -> None:
        args = [swarm.database, str(sends), str(start_at), str(gap)]
        done = await anyio.run_process([sys.executable, "-c", RAW, *args])
        reports.append(json.loads(done.stdout))

    async with anyio.create_task_group() as writers:
        for _ in range(processes):
            writers.start_soon(write)
    elapsed = max(r["done"] for r in reports) - start_at
    return processes * sends / elapsed, [t for r in reports for t in r["took"]]


def sends_per_second(reports: list[dict[str, Any]]) -> float:
    """Every producer's sends over the time from their common start to the last one's end."""
    elapsed = max(r["done"] for r in reports) - reports[0]["start_at"]
    return sum(r["sent"] for r in reports) / elapsed


def send_times(took: list[float]) -> dict[str, float]:
    """p50, p90, p99 of sends that took `took` seconds, in ms, keyed "p50" and so on."""
    return {f"p{share * 100:g}": percentile(took, share) * 1000 for share in (0.5, 0.9, 0.99)}


async def run(processes: int = PROCESSES, sends: int = SENDS) -> dict[str, float]:
    """Sends/s over all producers, lock errors, and whether each message arrived once."""
    reports, attempts, log_mib = await _produce(processes, sends, 0.0)
    once = len(attempts) == processes * sends and all(n == 1 for n in attempts.values())
    return {
        "log MiB": log_mib,
        "sends/s": sends_per_second(reports),
        "lock errors": sum(r["busy"] for r in reports),
        "delivered once": float(once),
        "raw sends/s": (await raw_floor(processes, sends))[0],
    }


async def paced(
    processes: int = PACED_PROCESSES, sends: int = PACED_SENDS, gap: float = PACED_GAP
) -> dict[str, float]:
    """How long a send took (ms, p50/p90/p99) with `processes` senders each sending every
    `gap` seconds while a dispatcher delivers; the same for plain sqlite3 inserts."""
    reports, _, _ = await _produce(processes, sends, gap)
    took = [t for r in reports for t in r["took"]]
    raw = (await raw_floor(processes, sends, gap))[1]
    results = {}
    for label, values in (("swarmbus", took), ("raw", raw)):
        results |= {f"{label} {p} ms": ms for p, ms in send_times(values).items()}
    return results


async def _produce(
    processes: int, sends: int, gap: float, prelude: str = ""
) -> tuple[list[dict[str, Any]], dict[str, int], float]:
    """Run the producers while a dispatcher here delivers: their reports, the
    deliveries per message and the write-ahead log's size (MiB) at the end.
    `prelude`: Python each producer runs first (bench/waits.py sets how it waits)."""
    swarm = temp_swarm(agents=8)
    transport = MemoryTransport(idempotent=True)
    async with await Bus.open(swarm) as bus:
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(name="writers"))
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            start_at = time.time() + 2.0  # every producer has opened its bus by then
            reports: list[dict[str, Any]] = []

            async def produce(index: int) -> None:
                args = [str(swarm.path), str(sends), str(start_at), str(index), str(gap)]
                done = await anyio.run_process([sys.executable, "-c", prelude + PRODUCER, *args])
                reports.append(json.loads(done.stdout) | {"start_at": start_at})

            async with anyio.create_task_group() as producers:
                for index in range(processes):
                    producers.start_soon(produce, index)
            with anyio.fail_after(120):
                while dispatcher.stats.delivered < sum(r["sent"] for r in reports):
                    await anyio.sleep(0.01)
            dispatcher.stop()
        log = anyio.Path(f"{swarm.database}-wal")  # (the last connection's close removes it)
        log_mib = (await log.stat()).st_size / 2**20 if await log.exists() else 0.0
    return reports, dict(transport.attempts), log_mib
