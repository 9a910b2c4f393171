"""End-to-end throughput: swarmbus against raw sqlite3 and huey, measured in one run.

- swarmbus: PRODUCERS tasks send N messages through `Bus.send` while a
  dispatcher in the same process delivers them through the memory transport;
  the clock stops when the last delivery is recorded in the database. Run once
  as an idempotent transport (like inbox: a lane's deliveries are recorded
  together) and once as a non-idempotent one (like the GUI: each delivery is
  committed before the next starts).
- raw sqlite3: the physical reference, per message and each step committed:
  insert, claim (`UPDATE … RETURNING`), mark delivered. Once on swarmbus's own
  `agent_messages` table (same columns, CHECKs and indexes), once on a
  three-column table with one index (the floor of what SQLite can do).
- huey: `SqliteHuey` enqueue of N tasks, then dequeue+execute of all of them;
  as shipped (synchronous=FULL) and with fsync=False (synchronous=OFF).
- PostgreSQL (`--postgres`, on the server of SWARMBUS_BENCH_POSTGRES, default
  the machine's): the same in-process run, then dispatchers as separate
  `swarmbus run` processes (1 and 2) while this process sends; SQLite with one
  dispatcher process is measured the same way for comparison.

Usage: python bench/throughput.py [--messages 20000] [--runs 3] [--producers 256] [--postgres]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import drop_postgres, median, print_table, temp_postgres, temp_swarm

from swarmbus.agents.config import Swarm
from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.outbox import compose
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import ids
from swarmbus.storage.sqlite import split_statements

FILL_BATCH = 2000  # messages per transaction when a queue is filled for a drain run
PAYLOAD = "x" * 200  # bytes per message, as in the peers' measurements
NOW = "2026-01-01T00:00:00.000Z"


async def swarmbus_run(
    count: int,
    producers: int,
    idempotent: bool,
    synchronous: str = "normal",
    database: str | None = None,
) -> tuple[float, float]:
    """Return (messages/s end to end, messages/s of the sends alone)."""
    swarm = temp_swarm(agents=8, synchronous=synchronous, database=database)
    transport = MemoryTransport(idempotent=idempotent)
    async with await Bus.open(swarm) as bus:
        agents = list(bus.configured)
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(name="bench"))

        async def produce(offset: int) -> None:
            for n in range(offset, count, producers):
                await bus.send("bench", agents[n % len(agents)], PAYLOAD)

        start = time.perf_counter()
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            async with anyio.create_task_group() as senders:
                for offset in range(producers):
                    senders.start_soon(produce, offset)
            sent_at = time.perf_counter()
            while dispatcher.stats.delivered < count:
                await anyio.sleep(0.001)
            elapsed = time.perf_counter() - start
            dispatcher.stop()
    return count / elapsed, count / (sent_at - start)


def _raw_db(schema: str) -> sqlite3.Connection:
    folder = Path(tempfile.mkdtemp(prefix="swarmbus-bench-raw-"))
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    for statement in split_statements(schema):
        db.execute(statement)
    return db


def _committed(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> list[tuple]:
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute(sql, params).fetchall()
    db.execute("COMMIT")
    return rows


def raw_swarmbus_schema_run(count: int) -> float:
    """The cycle on swarmbus's own table: the same rows, CHECKs and indexes."""
    folder = resources.files("swarmbus.storage") / "sql" / "sqlite" / "migrations"
    db = _raw_db((folder / "0001_initial_schema.sql").read_text())
    for n in range(8):
        db.execute(
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
            "VALUES (?, 't', 's', 'c')",
            (f"Agent-{n}",),
        )
    fresh = ids.new_ids(count)
    start = time.perf_counter()
    for n, message_id in enumerate(fresh):
        agent = f"Agent-{n % 8}"
        _committed(
            db,
            "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, "
            "tags, content, sent_at, created_at, delivery_method, available_at) VALUES "
            "(?, 'bench', ?, 'normal', '[]', ?, ?, ?, 'memory', ?)",
            (message_id, agent, PAYLOAD, NOW, NOW, NOW),
        )
        ((claimed,),) = _committed(
            db,
            "UPDATE agent_messages SET delivery_status = 'claimed', claim_token = 't', "
            "lease_expires_at = ? WHERE message_id = (SELECT message_id FROM agent_messages "
            "WHERE to_agent = ? AND priority_rank = 2 AND delivery_status IN "
            "('pending', 'claimed', 'retrying') ORDER BY message_id LIMIT 1) "
            "RETURNING message_id",
            (NOW, agent),
        )
        _committed(
            db,
            "UPDATE agent_messages SET delivery_status = 'delivered', status = "
            "'delivered', processed_at = ?, lease_expires_at = NULL, claim_token = NULL "
            "WHERE message_id = ?",
            (NOW, claimed),
        )
    elapsed = time.perf_counter() - start
    db.close()
    return count / elapsed


def raw_minimal_run(count: int) -> float:
    """The cycle on a three-column table with one partial index."""
    db = _raw_db(
        "CREATE TABLE q (id INTEGER PRIMARY KEY, body TEXT, status TEXT DEFAULT "
        "'pending');\nCREATE INDEX q_ready ON q (id) WHERE status = 'pending';\n"
    )
    start = time.perf_counter()
    for _ in range(count):
        _committed(db, "INSERT INTO q (body) VALUES (?)", (PAYLOAD,))
        ((claimed,),) = _committed(
            db,
            "UPDATE q SET status = 'claimed' WHERE id = (SELECT id FROM q WHERE status = "
            "'pending' ORDER BY id LIMIT 1) RETURNING id",
            (),
        )
        _committed(db, "UPDATE q SET status = 'delivered' WHERE id = ?", (claimed,))
    elapsed = time.perf_counter() - start
    db.close()
    return count / elapsed


def huey_run(count: int, fsync: bool | None = None) -> float:
    """SqliteHuey: enqueue every task, then dequeue and execute every task."""
    from huey import SqliteHuey

    folder = Path(tempfile.mkdtemp(prefix="swarmbus-bench-huey-"))
    huey = SqliteHuey(filename=str(folder / "huey.db"), fsync=fsync)
    delivered = []

    @huey.task()
    def deliver(body: str) -> None:
        delivered.append(body)

    start = time.perf_counter()
    for _ in range(count):
        deliver(PAYLOAD)
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    elapsed = time.perf_counter() - start
    assert len(delivered) == count
    return count / elapsed


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
        start = time.perf_counter()
        await send_all(bus, count, producers)
        while await _in_play(bus):
            await anyio.sleep(0.01)
        elapsed = time.perf_counter() - start
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
async def dispatcher_processes(swarm: Swarm, count: int, name: str) -> AsyncIterator[None]:
    """`count` `swarmbus run` processes for `swarm`, started and idle, stopped on exit."""
    command = [sys.executable, "-m", "swarmbus", "--config", str(swarm.path), "run", "--name"]
    runners = [
        await anyio.open_process([*command, f"{name}-{n}"], stdout=None, stderr=None)
        for n in range(count)
    ]
    try:
        await anyio.sleep(1.5)  # let them start and go idle
        yield
    finally:
        for runner in runners:
            runner.terminate()
            await runner.wait()


async def _in_play(bus: Bus) -> int:
    depth = await bus.db.messages.queue_depth()
    return sum(depth.get(status, 0) for status in ("pending", "claimed", "retrying"))


def postgres_round(count: int, producers: int) -> dict[str, float]:
    results = {}
    for label, run in {
        "PostgreSQL, in-process dispatcher": lambda url: anyio.run(
            swarmbus_run, count, producers, True, "normal", url
        )[0],
        "PostgreSQL, 1 dispatcher process": lambda url: anyio.run(
            process_run, count, producers, 1, url
        ),
        "PostgreSQL, 2 dispatcher processes": lambda url: anyio.run(
            process_run, count, producers, 2, url
        ),
    }.items():
        url = temp_postgres()
        try:
            results[label] = run(url)
        finally:
            drop_postgres(url)
    results["SQLite, 1 dispatcher process"] = anyio.run(process_run, count, producers, 1, None)
    return results


def one_round(count: int, producers: int) -> dict[str, float]:
    fast, sends = anyio.run(swarmbus_run, count, producers, True)
    careful, _ = anyio.run(swarmbus_run, count, producers, False)
    full, _ = anyio.run(swarmbus_run, count, producers, True, "full")
    return {
        "swarmbus, idempotent transport (inbox-like)": fast,
        "swarmbus, ack before next delivery (gui-like)": careful,
        "swarmbus, idempotent, synchronous=FULL": full,
        "swarmbus send only (first part of the run)": sends,
        "raw sqlite3 cycle, swarmbus schema": raw_swarmbus_schema_run(count),
        "raw sqlite3 cycle, minimal table": raw_minimal_run(count),
        "huey SqliteHuey as shipped (synchronous=FULL)": huey_run(count),
        "huey SqliteHuey fsync=False (synchronous=OFF)": huey_run(count, fsync=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--producers", type=int, default=256)
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    rounds = [
        {
            **one_round(args.messages, args.producers),
            **(postgres_round(args.messages, args.producers) if args.postgres else {}),
        }
        for _ in range(args.runs)
    ]
    results = {name: median(r[name] for r in rounds) for name in rounds[0]}
    raw = results["raw sqlite3 cycle, swarmbus schema"]
    huey = results["huey SqliteHuey as shipped (synchronous=FULL)"]
    print_table(
        f"throughput: {args.messages:,} messages of {len(PAYLOAD)} B, {args.producers} concurrent "
        f"senders, median of {args.runs} (SQLite {sqlite3.sqlite_version}, WAL, "
        f"synchronous=NORMAL unless noted)",
        ["what", "msgs/s", "vs raw cycle (same schema)", "vs huey as shipped"],
        [
            [name, f"{value:,.0f}", f"{value / raw:.0%}", f"{value / huey:.1f}x"]
            for name, value in results.items()
        ],
    )
    ours = results["swarmbus, idempotent transport (inbox-like)"]
    print(f"\ntargets: >= 50% of the raw cycle: {ours / raw:.0%}; >= 2x huey: {ours / huey:.1f}x")


if __name__ == "__main__":
    main()
