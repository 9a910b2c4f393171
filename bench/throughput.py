"""End-to-end throughput: swarmbus against raw sqlite3, huey and the PostgreSQL queues.

Every figure is printed beside the reference it is compared with, measured in
the same run; rounds are interleaved (each round runs every case once) and the
tables show medians. Targets are printed, never asserted.

- swarmbus: PRODUCERS tasks (or one sequential sender) send N messages through
  `Bus.send` while a dispatcher in the same process delivers them through the
  memory transport; the clock stops when the last delivery is recorded. Run as
  an idempotent transport (like inbox: a lane's deliveries are recorded
  together) and as a non-idempotent one (like the GUI: each delivery is
  committed before the next starts).
- raw sqlite3: the physical reference, per message and each step committed:
  insert, claim (`UPDATE … RETURNING`), mark delivered. Once on swarmbus's own
  `agent_messages` table with every migration applied (same columns, CHECKs,
  indexes and triggers), once on a three-column table with one index (the floor
  of what SQLite can do).
- huey: `SqliteHuey` enqueue of N tasks, then dequeue+execute of all of them;
  as shipped (synchronous=FULL) and with fsync=False (synchronous=OFF).
- many writers (bench/writers.py): 8 producer processes, 2,000 sends each; and 4
  processes sending every 2 ms, how long each send took, beside plain sqlite3 inserts.
- history and backlog (bench/history.py): claim+settle cost per message with
  100 / 10,000 / 100,000 pending and 1,000,000 delivered rows, vs empty.
- memory (bench/memory.py): dispatcher RSS after 1,000 and after 1,000,000.
- `--postgres` (server SWARMBUS_BENCH_POSTGRES, default 127.0.0.1:5432/test;
  each case on a scratch database it creates and drops): swarmbus in process
  and with 1 and 2 `swarmbus run` dispatcher processes, procrastinate 3.x and
  pgqueuer 1.x (bench/peers.py) with defaults and fastest documented settings,
  each with one sequential sender and with many concurrent senders, the raw
  asyncpg cycle (bench/raw_postgres.py), each with the server's CPU per message
  (bench/server_cpu.py); history and memory on PostgreSQL too.
  Every message is 200 B of one repeated letter, as in the peers' own
  measurements, except the "200 B of words" row: agent
  chatter with paths and code, text with many distinct trigrams for the search
  index to hold (the peers index no text).

Results are noisy on a shared machine: re-run on a quiet one before quoting.

Usage: python bench/throughput.py [--quick] [--messages 20000] [--sequential 5000]
       [--runs 3] [--producers 256] [--postgres] [--skip history,memory,writers]
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
import history
import memory
import peers
import processes
import raw_postgres
import report
import search
import server_cpu
import writers
from common import drop_postgres, median, print_table, temp_postgres, temp_swarm

from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import ids
from swarmbus.storage.database import open_database
from swarmbus.storage.sqlite import split_statements

PAYLOAD = "x" * 200  # bytes per message, as in the peers' measurements
WORDS = "swarmbus in process, 200 B of words"
NOW = "2026-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class Setup:
    """How a swarmbus run is set up. `words`: 200 B of agent chatter per message (paths,
    code, prose: text a search index has to work on) instead of one repeated letter."""

    idempotent: bool = True
    synchronous: str = "normal"
    database: str | None = None
    words: bool = False


def bodies(count: int, words: bool) -> list[str]:
    if not words:
        return [PAYLOAD] * count
    rng = random.Random(42)
    return [(search.chatter(rng) + " " + PAYLOAD)[:200] for _ in range(count)]


async def swarmbus_run(count: int, producers: int, setup: Setup = Setup()) -> tuple[float, float]:
    """Return (messages/s end to end, messages/s of the sends alone)."""
    swarm = temp_swarm(agents=8, synchronous=setup.synchronous, database=setup.database)
    transport = MemoryTransport(idempotent=setup.idempotent)
    texts = bodies(count, setup.words)
    async with await Bus.open(swarm) as bus:
        agents = list(bus.configured)
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(name="bench"))

        async def produce(offset: int) -> None:
            for n in range(offset, count, producers):
                await bus.send("bench", agents[n % len(agents)], texts[n])

        start = server_cpu.begin()
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            async with anyio.create_task_group() as senders:
                for offset in range(producers):
                    senders.start_soon(produce, offset)
            sent_at = time.perf_counter()
            while dispatcher.stats.delivered < count:
                await anyio.sleep(0.001)
            elapsed = server_cpu.end(start)
            dispatcher.stop()
    return count / elapsed, count / (sent_at - start)


def _raw_db(schema: str | None) -> sqlite3.Connection:
    """A new database file in WAL mode holding `schema`, or (None) swarmbus's own schema
    with every migration applied: the indexes and triggers the bus really writes through."""
    folder = _scratch_folder("raw")
    if schema is None:
        anyio.run(_migrated, folder / "raw.db")
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    for statement in split_statements(schema or ""):
        db.execute(statement)
    return db


def _scratch_folder(kind: str) -> Path:
    """A folder of the run's own, removed when the run ends."""
    folder = Path(tempfile.mkdtemp(prefix=f"swarmbus-bench-{kind}-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


async def _migrated(path: Path) -> None:
    async with await open_database(path):
        pass


def _committed(db: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> list[tuple]:
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute(sql, params).fetchall()
    db.execute("COMMIT")
    return rows


def raw_swarmbus_schema_run(count: int, drop: Sequence[str] = ()) -> float:
    """The cycle on swarmbus's own table: the same rows, CHECKs, indexes and triggers;
    without the indexes named in `drop` (bench/indexes.py)."""
    db = _raw_db(None)
    for name in drop:
        db.execute(f'DROP INDEX "{name}"')
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
            "INSERT INTO agent_messages (message_id, thread_id, from_agent, to_agent, "
            "priority, tags, content, sent_at, created_at, delivery_method, available_at) "
            "VALUES (?, ?, 'bench', ?, 'normal', '[]', ?, ?, ?, 'memory', ?)",
            (message_id, message_id, agent, PAYLOAD, NOW, NOW, NOW),
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

    folder = _scratch_folder("huey")
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


INBOX_LIKE = "swarmbus, idempotent transport (inbox-like)"
SEQUENTIAL = "swarmbus, one sequential sender (inbox-like)"
RAW_MINIMAL = "raw sqlite3 cycle, minimal table"
RAW_SCHEMA = "raw sqlite3 cycle, swarmbus schema"
HUEY = "huey SqliteHuey as shipped (synchronous=FULL)"


def sqlite_round(args: argparse.Namespace) -> dict[str, float]:
    count, producers = args.messages, args.producers
    fast, sends = anyio.run(swarmbus_run, count, producers)
    careful, _ = anyio.run(swarmbus_run, count, producers, Setup(idempotent=False))
    full, _ = anyio.run(swarmbus_run, count, producers, Setup(synchronous="full"))
    one, one_sends = anyio.run(swarmbus_run, args.sequential, 1)
    return {
        INBOX_LIKE: fast,
        "swarmbus, ack before next delivery (gui-like)": careful,
        "swarmbus, idempotent, synchronous=FULL": full,
        "swarmbus send only (first part of the run)": sends,
        SEQUENTIAL: one,
        "swarmbus, one sequential sender: send only": one_sends,
        "swarmbus, one sequential sender, 1 dispatcher process": anyio.run(
            processes.process_run, args.sequential, 1, 1, None
        ),
        "swarmbus, 256 senders, 1 dispatcher process": anyio.run(
            processes.process_run, count, producers, 1, None
        ),
        RAW_SCHEMA: raw_swarmbus_schema_run(count),
        RAW_MINIMAL: raw_minimal_run(count),
        HUEY: huey_run(count),
        "huey SqliteHuey fsync=False (synchronous=OFF)": huey_run(count, fsync=False),
    }


def _on_scratch(run: object, *args: object) -> float:
    url = temp_postgres()
    try:
        return anyio.run(run, *args, url)  # type: ignore[arg-type]
    finally:
        drop_postgres(url)


async def _in_process(count: int, producers: int, url: str) -> float:
    return (await swarmbus_run(count, producers, Setup(database=url)))[0]


async def _in_process_words(count: int, producers: int, url: str) -> float:
    return (await swarmbus_run(count, producers, Setup(database=url, words=True)))[0]


def postgres_round(args: argparse.Namespace) -> dict[str, float]:
    """(case, shape) -> msgs/s: swarmbus and the peers, one sender and many; beside each,
    (case, shape, "server") -> µs of the server's CPU per message (`server_cpu`)."""
    results: dict[str, float] = {}

    def record(key: str, rate: float, count: int) -> None:
        results[key] = rate
        if (server := server_cpu.per_message_us(count)) is not None:
            results[f"{key}|server"] = server

    for shape, count, producers in (
        ("one", args.sequential, 1),
        ("many", args.messages, args.producers),
    ):
        record(f"swarmbus in process|{shape}", _on_scratch(_in_process, count, producers), count)
        record(f"{WORDS}|{shape}", _on_scratch(_in_process_words, count, producers), count)
        for dispatchers in (1, 2):
            rate = _on_scratch(processes.process_run, count, producers, dispatchers)
            record(f"{report.dispatchers_case(dispatchers)}|{shape}", rate, count)
        for peer in peers.PEERS:
            for fastest in (False, True):
                label = f"{peer}, {'fastest documented' if fastest else 'defaults'}|{shape}"
                record(label, peers.measure(peer, count, shape, fastest), count)
    raw = _on_scratch(raw_postgres.cycle, args.sequential)
    record(report.RAW_POSTGRES_KEY, raw, args.sequential)
    return results


def side_round(args: argparse.Namespace) -> dict[str, float]:
    """Writers, history and memory: once per round like the rest."""
    results: dict[str, float] = {}
    if "writers" not in args.skip:
        for key, value in anyio.run(writers.run, writers.PROCESSES, args.writer_sends).items():
            results[f"writers|{key}"] = value
        for key, value in anyio.run(writers.paced).items():
            results[f"paced|{key}"] = value
    backends = [("SQLite", None)] + ([("PostgreSQL", "pg")] if args.postgres else [])
    for backend, pg in backends:
        if "history" not in args.skip:
            results.update(history_round(args, backend, pg))
        if "memory" not in args.skip:
            first, last = (
                memory.on_scratch_postgres(args.rss_messages)
                if pg
                else anyio.run(memory.measure, args.rss_messages)
            )
            results[f"memory|{backend}|after 1,000"] = first
            results[f"memory|{backend}|after {args.rss_messages:,}"] = last
    return results


def history_round(args: argparse.Namespace, backend: str, pg: str | None) -> dict[str, float]:
    """history|backend|point -> µs per message, every point measured side by side in
    one process (`history.side_by_side`), each on a database of its own."""
    points = history.points(args.quick)
    databases = {label: temp_postgres() if pg else None for label in points}
    try:
        measured = anyio.run(
            history.side_by_side,
            {label: (*points[label], databases[label]) for label in points},
            args.rounds,
        )
    finally:
        for url in databases.values():
            if url is not None:
                drop_postgres(url)
    return {f"history|{backend}|{label}": value for label, value in measured.items()}


def print_sqlite(results: dict[str, float], args: argparse.Namespace) -> None:
    raw, huey = results[RAW_MINIMAL], results[HUEY]
    names = [
        name for name in results if "|" not in name and not name.startswith(("swarmbus in", "pg"))
    ]
    print_table(
        f"SQLite throughput: {args.messages:,} messages of {len(PAYLOAD)} B ({args.sequential:,} "
        f"for one sequential sender), {args.producers} concurrent senders, median of "
        f"{args.runs} (SQLite {sqlite3.sqlite_version}, WAL, synchronous=NORMAL unless noted)",
        ["what", "msgs/s", "vs raw cycle (minimal table)", "vs huey as shipped"],
        [[n, f"{results[n]:,.0f}", f"{results[n] / raw:.0%}", f"{results[n] / huey:.1f}x"]
         for n in names],
    )  # fmt: skip
    print(
        f"\ntarget 1: end to end >= the raw per-message cycle: {results[INBOX_LIKE] / raw:.0%} "
        f"(many senders), {results[SEQUENTIAL] / raw:.0%} (one sequential sender)"
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, one round (< 1 min)")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--sequential", type=int, default=5_000, help="for one sequential sender")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--producers", type=int, default=256)
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    parser.add_argument("--skip", default="", help="comma list of: history, memory, writers")
    args = parser.parse_args()
    args.skip = set(filter(None, args.skip.split(",")))
    args.writer_sends, args.rss_messages, args.rounds = writers.SENDS, 1_000_000, 200
    if args.quick:
        args.messages, args.sequential, args.runs = 2_000, 500, 1
        args.writer_sends, args.rss_messages, args.rounds = 500, 20_000, 50
    return args


def main() -> None:
    args = parse()
    rounds = []
    for _ in range(args.runs):
        results = sqlite_round(args)
        if args.postgres:
            results.update(postgres_round(args))
        results.update(side_round(args) if not rounds else {})  # the slow parts: once
        rounds.append(results)
    merged = {name: median(r[name] for r in rounds if name in r) for name in rounds[-1] | rounds[0]}
    print_sqlite(merged, args)
    report.print_side(merged)
    if args.postgres:
        report.print_postgres(merged, args)


if __name__ == "__main__":
    main()
