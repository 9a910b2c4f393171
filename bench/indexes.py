"""What the indexes of `agent_messages` cost a message.

The raw per-message cycle (insert, claim, settle, each its own transaction, as
bench/throughput.py's "raw sqlite3 cycle, swarmbus schema"; on PostgreSQL
`raw_postgres.schema_cycle`) on the migrated schema: with every index, without each
index named by --drop, without any index but the primary key's and the lane index
(which the claim reads), and on the minimal table of one partial index. Each round
runs every case once, in turn, so a machine that drifts moves them alike; the
medians are printed, with PostgreSQL's server CPU per message beside.

SQLite moves only the index entries whose columns a statement changes, so an index
costs every send an entry, and a claim or a settle one only if it holds
delivery_status. PostgreSQL writes a new row version into every index on each claim
and settle (none is HOT: they change delivery_status). "without <index>" beside
"every index" is what that index costs (migrations 0018 and 0022 were weighed so).

Usage: python bench/indexes.py [--messages 4000] [--rounds 5] [--drop idx_a,idx_b]
       [--postgres]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
import raw_postgres
import server_cpu
import throughput
from common import drop_postgres, median, print_table, temp_postgres

EVERY = "every index"
LANE = "idx_message_lane"  # the claim reads it: without it, each claim scans the table
NO_SECONDARY = f"no index but the primary key's and {LANE}"
MINIMAL = "minimal table (one partial index)"


def sqlite_indexes() -> list[str]:
    """The secondary indexes of agent_messages as the migrations leave it."""
    db = throughput._raw_db(None)
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'agent_messages' AND sql IS NOT NULL ORDER BY name"
    ).fetchall()
    db.close()
    return [name for (name,) in rows]


async def postgres_indexes(url: str) -> list[str]:
    import asyncpg

    from swarmbus.storage.database import open_database

    await (await open_database(url)).close()
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'agent_messages' "
            "AND indexname <> 'agent_messages_pkey' ORDER BY indexname"
        )
    finally:
        await conn.close()
    return [row["indexname"] for row in rows]


def cases(drop: list[str], secondary: list[str]) -> dict[str, list[str]]:
    """Case name -> the indexes it drops (the minimal table is measured apart)."""
    named = {f"without {name}": [name] for name in drop}
    return {EVERY: [], **named, NO_SECONDARY: [name for name in secondary if name != LANE]}


def sqlite_round(count: int, plan: dict[str, list[str]]) -> dict[str, float]:
    results = {
        case: throughput.raw_swarmbus_schema_run(count, dropped) for case, dropped in plan.items()
    }
    results[MINIMAL] = throughput.raw_minimal_run(count)
    return results


def postgres_round(count: int, plan: dict[str, list[str]]) -> dict[str, float]:
    """msgs/s per case, and under `case|server` the server's CPU µs a message."""
    results: dict[str, float] = {}
    runs: dict[str, Callable[[str], object]] = {
        case: lambda url, dropped=dropped: raw_postgres.schema_cycle(count, url, dropped)
        for case, dropped in plan.items()
    }
    runs[MINIMAL] = lambda url: raw_postgres.cycle(count, url)
    for case, run in runs.items():
        url = temp_postgres()
        try:
            results[case] = anyio.run(run, url)  # type: ignore[arg-type]
        finally:
            drop_postgres(url)
        if (server := server_cpu.per_message_us(count)) is not None:  # None: no /proc
            results[f"{case}|server"] = server
    return results


def report(title: str, rounds: list[dict[str, float]], count: int) -> None:
    every = median(r[EVERY] for r in rounds)
    rows = []
    for case in (key for key in rounds[0] if "|" not in key):
        rate = median(r[case] for r in rounds)
        row: list[object] = [case, f"{rate:,.0f}", f"{1e6 / rate:,.0f}", f"{rate / every:.2f}x"]
        if f"{case}|server" in rounds[0]:
            row.append(f"{median(r[f'{case}|server'] for r in rounds):,.0f}")
        rows.append(row)
    header = ["case", "msgs/s", "µs a message", "vs every index"]
    header += ["server CPU µs"] if len(rows[0]) > 4 else []
    print_table(
        f"{title}: insert, claim, settle ({count:,} messages), median of {len(rounds)}",
        header,
        rows,
    )


def unknown(drop: list[str], indexes: list[str], backend: str) -> str | None:
    missing = [name for name in drop if name not in indexes]
    if not missing:
        return None
    return (
        f"no index {missing[0]!r} on {backend}'s agent_messages; its indexes: {', '.join(indexes)}"
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4000, help="per case and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drop", default="", help="comma list of indexes to weigh one by one")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL as well")
    args = parser.parse_args()
    if not 100 <= args.messages <= 1_000_000:
        parser.error(f"--messages {args.messages} is not allowed; use 100 to 1,000,000")
    if not 1 <= args.rounds <= 50:
        parser.error(f"--rounds {args.rounds} is not allowed; use 1 to 50")
    args.drop = list(dict.fromkeys(filter(None, args.drop.split(","))))
    return args


def main() -> None:
    args = parse()
    backends = {"SQLite": sqlite_indexes()}
    if args.postgres:
        url = temp_postgres()
        try:
            backends["PostgreSQL"] = anyio.run(postgres_indexes, url)
        finally:
            drop_postgres(url)
    for backend, indexes in backends.items():
        if (error := unknown(args.drop, indexes, backend)) is not None:
            sys.exit(f"error: {error}")
    for backend, indexes in backends.items():
        plan = cases(args.drop, indexes)
        one_round = sqlite_round if backend == "SQLite" else postgres_round
        rounds = [one_round(args.messages, plan) for _ in range(args.rounds)]
        report(backend, rounds, args.messages)


if __name__ == "__main__":
    main()
