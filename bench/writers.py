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

The write-ahead log file's size at the end: steady writers starve PASSIVE
checkpoints, and a log that never starts over grew to 833 MB here; one started
over is cut back to 16 MiB.
"""

from __future__ import annotations

import json
import sys
import time

import anyio
from common import temp_swarm

from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport

PROCESSES = 8
SENDS = 2_000

PRODUCER = """
import json, sys, time, anyio
from swarmbus import errors
from swarmbus.agents import config
from swarmbus.bus.api import Bus

async def main(path, count, start_at, index):
    async with await Bus.open(config.load(path, {})) as bus:
        agents = list(bus.configured)
        await anyio.sleep(max(0.0, start_at - time.time()))
        sent = busy = 0
        for n in range(count):
            try:
                await bus.send(f"writer-{index}", agents[n % len(agents)], "x" * 200)
                sent += 1
            except errors.DatabaseBusy:
                busy += 1
        print(json.dumps({"sent": sent, "busy": busy, "done": time.time()}))

anyio.run(main, sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
"""


RAW = """
import json, sys, time, sqlite3
from swarmbus.model import ids
from swarmbus.model.messages import NewMessage
from swarmbus.storage import queries
from swarmbus.storage.messages import _insert_params

path, count, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
db.execute("PRAGMA synchronous = NORMAL")
insert = queries.load("sqlite")["insert_message"]
message = NewMessage(from_agent="raw", to_agent="Agent-1", content="x" * 200)
time.sleep(max(0.0, start_at - time.time()))
for _ in range(count):
    message_id = ids.new_id()
    db.execute("BEGIN IMMEDIATE")
    db.execute(insert, _insert_params(message, message_id, message_id))
    db.execute("COMMIT")
print(json.dumps({"done": time.time()}))
"""


async def raw_floor(processes: int = PROCESSES, sends: int = SENDS) -> float:
    """Committed single-message inserts per second from `processes` plain sqlite3
    processes into a fresh swarm database."""
    swarm = temp_swarm(agents=1)
    async with await Bus.open(swarm):
        pass  # the schema
    start_at = time.time() + 1.0
    finished: list[float] = []

    async def write() -> None:
        args = [swarm.database, str(sends), str(start_at)]
        done = await anyio.run_process([sys.executable, "-c", RAW, *args])
        finished.append(json.loads(done.stdout)["done"])

    async with anyio.create_task_group() as writers:
        for _ in range(processes):
            writers.start_soon(write)
    return processes * sends / (max(finished) - start_at)


async def run(processes: int = PROCESSES, sends: int = SENDS) -> dict[str, float]:
    """Sends/s over all producers, lock errors, and whether each message arrived once."""
    swarm = temp_swarm(agents=8)
    transport = MemoryTransport(idempotent=True)
    total = processes * sends
    async with await Bus.open(swarm) as bus:
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(name="writers"))
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            start_at = time.time() + 2.0  # every producer has opened its bus by then
            reports: list[dict[str, float]] = []

            async def produce(index: int) -> None:
                args = [str(swarm.path), str(sends), str(start_at), str(index)]
                done = await anyio.run_process([sys.executable, "-c", PRODUCER, *args])
                reports.append(json.loads(done.stdout))

            async with anyio.create_task_group() as producers:
                for index in range(processes):
                    producers.start_soon(produce, index)
            with anyio.fail_after(120):
                while dispatcher.stats.delivered < sum(r["sent"] for r in reports):
                    await anyio.sleep(0.01)
            dispatcher.stop()
        log = anyio.Path(f"{swarm.database}-wal")  # (the last connection's close removes it)
        log_mib = (await log.stat()).st_size / 2**20 if await log.exists() else 0.0
    attempts = transport.attempts
    once = len(attempts) == total and all(n == 1 for n in attempts.values())
    elapsed = max(r["done"] for r in reports) - start_at
    return {
        "log MiB": log_mib,
        "sends/s": sum(r["sent"] for r in reports) / elapsed,
        "lock errors": sum(r["busy"] for r in reports),
        "delivered once": float(once),
        "raw sends/s": await raw_floor(processes, sends),
    }
