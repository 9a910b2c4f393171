"""How a writer waits for SQLite's write lock: many senders' rate against a few senders'
send times, per way of waiting.

A send that finds the write lock taken waits on its connection's thread: it looks
for the lock again after each of `sqlite_hop.PROMPT_PAUSES` (as shipped 0.1, 0.2,
0.4, 0.8 ms, then 1 ms five times), then leaves it to SQLite's busy handler, which
sleeps 1, 2, 5, 10 ms... between looks. Looking often finds a lock held for a tenth
of a millisecond as soon as it is free, and costs CPU that the lock's holder, on a
machine with fewer cores than writers, needs to finish. So each way of waiting is
measured twice, as bench/writers.py does, a dispatcher delivering throughout:

- saturated: PROCESSES producers send SENDS messages each, one at a time, as fast as
  they can: sends a second over all of them, and their CPU a send;
- paced: PACED_PROCESSES producers send one message every PACED_GAP seconds: how
  long a send took (p50, p90, p99 ms).

The ways: "shipped" (PROMPT_PAUSES as they are), "handler" (no pauses of our own:
SQLite's busy handler at once) and each --pauses list. Rounds run every way once, in
turn, so a machine that drifts moves them alike; medians are printed, beside plain
sqlite3 processes inserting the same rows with SQLite's busy handler, no dispatcher.

Usage: python bench/waits.py [--pauses 0.3,0.6,1.2,2.4] [--rounds 3] [--sends 2000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
import writers
from common import median, print_table

SHIPPED = "shipped"
HANDLER = "handler"
MAX_PAUSES = 50
PAUSE_MS = (0.01, 100.0)  # the range one pause may take, in ms


def prelude(pauses_ms: tuple[float, ...] | None) -> str:
    """The producers' first lines: set their pauses (None: leave them as shipped)."""
    if pauses_ms is None:
        return ""
    seconds = tuple(p / 1000 for p in pauses_ms)
    return f"from swarmbus.storage import sqlite_hop\nsqlite_hop.PROMPT_PAUSES = {seconds!r}\n"


def saturated(pauses_ms: tuple[float, ...] | None, sends: int) -> dict[str, float]:
    """Sends/s over the producers, their CPU µs a send, and lock errors."""
    reports, _, _ = anyio.run(writers._produce, writers.PROCESSES, sends, 0.0, prelude(pauses_ms))
    return {
        "sends/s": writers.sends_per_second(reports),
        "cpu µs": sum(r["cpu"] for r in reports) / sum(r["sent"] for r in reports) * 1e6,
        "busy": sum(r["busy"] for r in reports),
    }


def paced(pauses_ms: tuple[float, ...] | None) -> dict[str, float]:
    """How long a paced send took (`writers.send_times`)."""
    args = (writers.PACED_PROCESSES, writers.PACED_SENDS, writers.PACED_GAP, prelude(pauses_ms))
    reports, _, _ = anyio.run(writers._produce, *args)
    return writers.send_times([t for r in reports for t in r["took"]])


def raw(sends: int) -> dict[str, float]:
    """The same for plain sqlite3 processes (no dispatcher), as bench/writers.py has it."""
    rate, _ = anyio.run(writers.raw_floor, writers.PROCESSES, sends)
    _, took = anyio.run(
        writers.raw_floor, writers.PACED_PROCESSES, writers.PACED_SENDS, writers.PACED_GAP
    )
    return {"sends/s": rate, **writers.send_times(took)}


def pauses_of(text: str) -> tuple[float, ...]:
    """'0.3,0.6,1.2' -> (0.3, 0.6, 1.2); ValueError naming what is allowed."""
    try:
        pauses = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--pauses {text!r} is not a comma list of milliseconds") from None
    low, high = PAUSE_MS
    if not 1 <= len(pauses) <= MAX_PAUSES or not all(low <= p <= high for p in pauses):
        raise ValueError(
            f"--pauses {text!r} is not allowed; give 1 to {MAX_PAUSES} pauses of "
            f"{low:g} to {high:g} ms each"
        )
    return pauses


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pauses", action="append", default=[], help="ms between looks, comma list (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sends", type=int, default=writers.SENDS, help="per saturated producer")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20:
        parser.error(f"--rounds {args.rounds} is not allowed; use 1 to 20")
    if not 100 <= args.sends <= 100_000:
        parser.error(f"--sends {args.sends} is not allowed; use 100 to 100,000")
    try:
        args.ways = {SHIPPED: None, HANDLER: ()} | {
            f"pauses {text} ms": pauses_of(text) for text in args.pauses or ["0.3,0.6,1.2,2.4"]
        }
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main() -> None:
    args = parse()
    rounds: list[dict[str, dict[str, float]]] = []
    for _ in range(args.rounds):
        rounds.append(
            {way: saturated(p, args.sends) | paced(p) for way, p in args.ways.items()}
            | {"plain sqlite3, no dispatcher": raw(args.sends)}
        )
    rows = []
    for way in rounds[0]:
        figures = {key: median(r[way][key] for r in rounds) for key in rounds[0][way]}
        rows.append(
            [
                way,
                f"{figures['sends/s']:,.0f}",
                f"{figures['cpu µs']:,.0f}" if "cpu µs" in figures else "",
                f"{figures['busy']:.0f}" if "busy" in figures else "",
                *(f"{figures[p]:.2f}" for p in ("p50", "p90", "p99")),
            ]
        )
    print_table(
        f"waiting for the write lock, medians of {len(rounds)} rounds: {writers.PROCESSES} "
        f"producers x {args.sends:,} sends as fast as they can; {writers.PACED_PROCESSES} "
        f"sending every {writers.PACED_GAP * 1000:g} ms (send ms)",
        ["way", "sends/s", "CPU µs a send", "lock errors", "paced p50", "p90", "p99"],
        rows,
    )


if __name__ == "__main__":
    main()
