"""What a SQLite write costs the event loop: the transaction beside raw sqlite3, and the
longest the loop waits while writes run.

- per transaction: an empty `atomic` (BEGIN IMMEDIATE, COMMIT), one message stored
  through the repository (`MessageRepository.insert`), and the same statements on a
  plain sqlite3 connection to the same file (the reference, measured in the same run).
- loop gaps: four tasks send 6,000 messages (no dispatcher, so no background
  checkpoint) while a fifth sleeps 1 ms at a time; the five longest gaps between its
  wake-ups. SQLite's own checkpoint ran inside a COMMIT, on the loop, every few
  hundred commits (30-90 ms); it is off now, and a checkpoint runs on the
  connection's thread instead.

Usage: python bench/loop.py [--transactions 3000] [--messages 6000]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import median, print_table, temp_swarm

from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.outbox import compose
from swarmbus.model import ids
from swarmbus.storage.messages import _rows

PAYLOAD = "x" * 200


async def transactions(count: int) -> list[list[str]]:
    """µs per transaction: through the connector, and raw on the same file."""
    swarm = temp_swarm(agents=8)
    async with await Bus.open(swarm) as bus:
        db = bus.db
        message = compose(requests.envelope("bench", {}), bus.agent("Agent-1"), PAYLOAD, 3)

        async def nothing(tx: object) -> None:
            return None

        empty = await _timed(count, lambda: db.connector.atomic(nothing))
        stored = await _timed(count, lambda: db.messages.insert([message]))
        location, q = db.location, db.messages._q
    raw = _raw_inserts(location, q, message, count)
    return [
        [
            "empty atomic (BEGIN IMMEDIATE, COMMIT)",
            f"{empty:.0f}",
            f"{_raw_empty(location, count):.0f}",
        ],
        ["one message stored (MessageRepository.insert)", f"{stored:.0f}", f"{raw:.0f}"],
    ]


async def _timed(count: int, call: object) -> float:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        await call()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return median(samples) * 1e6


def _raw_inserts(location: str, q: dict[str, str], message: object, count: int) -> float:
    """The same statements as `insert` on a plain sqlite3 connection, µs each (median)."""
    conn = sqlite3.connect(location, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")  # as every swarmbus connection
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        newest = conn.execute(q["newest_message_id"]).fetchone()[0]
        _, params = _rows([message], ids.new_ids(1, after=newest), {})  # type: ignore[list-item]
        conn.executemany(q["insert_message"], params)
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return median(samples) * 1e6


def _raw_empty(location: str, count: int) -> float:
    conn = sqlite3.connect(location, isolation_level=None)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return median(samples) * 1e6


async def loop_gaps(count: int, senders: int = 4) -> tuple[float, list[float]]:
    """(sends/s, the five longest gaps in ms between 1 ms sleeps of another task)."""
    swarm = temp_swarm(agents=8)
    gaps: list[float] = []
    async with await Bus.open(swarm) as bus:
        agents = list(bus.configured)
        for n in range(20):  # warm: statements compiled, validators built
            await bus.send("bench", agents[n % 8], "warm")

        async def tick() -> None:
            last = time.perf_counter()
            while True:
                await anyio.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        async def send(offset: int) -> None:
            for n in range(offset, count, senders):
                await bus.send("bench", agents[n % 8], PAYLOAD)

        async with anyio.create_task_group() as watch:
            watch.start_soon(tick)
            start = time.perf_counter()
            async with anyio.create_task_group() as group:
                for offset in range(senders):
                    group.start_soon(send, offset)
            elapsed = time.perf_counter() - start
            watch.cancel_scope.cancel()
    return count / elapsed, [gap * 1e3 for gap in sorted(gaps, reverse=True)[:5]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=6000)
    args = parser.parse_args()
    print_table(
        f"SQLite write transactions, median of {args.transactions:,} (µs)",
        ["transaction", "swarmbus", "raw sqlite3, same statements and file"],
        anyio.run(transactions, args.transactions),
    )
    rate, longest = anyio.run(loop_gaps, args.messages)
    print(
        f"\nloop gaps while 4 tasks send {args.messages:,} messages ({rate:,.0f} sends/s, no "
        f"dispatcher): longest {', '.join(f'{gap:.1f}' for gap in longest)} ms"
    )


if __name__ == "__main__":
    main()
