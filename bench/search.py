"""Search latency over a large swarm history, and what the search index costs `send`.

- Latency: the database is filled with `--messages` (100,000) messages of
  realistic agent chatter (prose, file paths, tracebacks, code, PR numbers,
  snake_case names, a little CJK), deterministic for a seed. Then each query
  of the mix below runs `--rounds` times through `Bus.search` (the path every
  face takes: validation, SQL, rows into models, snippets), and p50/p99 are
  reported per kind of query and over all of them.
- Send cost: `Bus.send` throughput (`--producers` concurrent senders, group
  commit, as bench/throughput.py) into a fresh database with the search
  machinery and into one without it (SQLite: the FTS5 triggers dropped;
  PostgreSQL: the search table beside the messages and its triggers dropped), runs
  alternated, median of `--runs`.

SQLite always; PostgreSQL with `--postgres` (the server of
SWARMBUS_BENCH_POSTGRES, default the machine's).

Usage: python bench/search.py [--messages 100000] [--rounds 20] [--postgres]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import drop_postgres, median, percentile, print_table, temp_postgres, temp_swarm

from swarmbus.bus import requests
from swarmbus.bus.api import Bus
from swarmbus.bus.outbox import compose
from swarmbus.model.conversations import SearchFilters
from swarmbus.storage.search import SearchRepository

FILL_BATCH = 2000  # messages per transaction while filling
_PROSE = (
    "the a to of and in is for on that with this it we be as at by from not are was build "
    "test tests fix fixed failing passes merge rebase branch review reviewed please check "
    "looks good done working on blocked waiting deploy deployed rollout rollback release "
    "version bump pin upgrade dependency config setting timeout retry lease claim queue "
    "dispatcher worker agent message inbox window paste clipboard screen monitor thread "
    "reply search index query database migration schema column table row lock deadlock "
    "latency throughput benchmark profile slow fast memory leak crash error exception "
    "traceback warning log line file path module function class method argument return "
    "value type hint docstring comment refactor rename extract split cleanup todo later "
    "tomorrow today now soon after before because since while until also maybe really "
    "quick question answer idea plan next step first second last final ready ship"
)
WORDS = _PROSE.split()  # the most common first: picked with a Pareto law
RARE = ["quasar", "obsidian", "marzipan", "zeppelin", "kumquat", "xylophone"]
PACKAGES = ["storage", "bus", "agents", "discord_bot", "swarmbus", "tests", "bench", "cli"]
MODULES = [
    "claims", "leases", "messages", "dispatcher", "outbox", "api", "search", "receipts",
    "config", "registry", "reports", "status", "lanes", "retention", "copying", "backup",
    "alerts", "embeds", "steering", "replies", "params", "reading", "running", "doctor",
]  # fmt: skip
CJK = ["日本語のテキスト検索", "数据库迁移完成", "테스트 통과"]


def _word(rng: random.Random) -> str:
    return WORDS[min(len(WORDS) - 1, int(rng.paretovariate(1.2)) - 1)]


def _path(rng: random.Random) -> str:
    return f"{rng.choice(PACKAGES)}/{rng.choice(MODULES)}.py"


def _sentence(rng: random.Random) -> str:
    words = [_word(rng) for _ in range(rng.randint(6, 18))]
    if rng.random() < 0.002:
        words.insert(rng.randrange(len(words)), rng.choice(RARE))
    return " ".join(words).capitalize() + "."


def chatter(rng: random.Random) -> str:
    """One message an agent might send."""
    parts = [_sentence(rng) for _ in range(rng.randint(1, 3))]
    roll = rng.random()
    if roll < 0.35:
        parts.append(f"See {_path(rng)} line {rng.randint(1, 400)}.")
    if roll < 0.15:
        parts.append(f"PR-{rng.randint(1, 5000)} is ready for review.")
    if 0.3 < roll < 0.45:
        name = f"{rng.choice(MODULES)}_{rng.choice(WORDS)}_{rng.choice(MODULES)}"
        parts.append(f"```python\ndef {name}(self, value):\n    return self._{name}[value]\n```")
    if 0.5 < roll < 0.56:
        trace = "\n".join(
            f'  File "{_path(rng)}", line {rng.randint(1, 400)}, in {rng.choice(MODULES)}'
            for _ in range(rng.randint(3, 12))
        )
        parts.append(f"Traceback (most recent call last):\n{trace}\nTimeoutError: lease lost")
    if roll > 0.995:
        parts.append(rng.choice(CJK))
    return "\n".join(parts)


# (kind, query, filters)
QUERIES: list[tuple[str, str, SearchFilters | None]] = [
    ("rare word", "zeppelin", None),
    ("common word", "review", None),
    ("very common word", "the", None),
    ("path", "storage/claims.py", None),
    ("file name", "claims.py", None),
    ("PR number", "PR-4242", None),
    ("snake_case", "claims_retry", None),
    ("phrase", "ready for review", None),
    ("CJK", "テキスト", None),
    ("no hit", "nonexistent_symbol_xyz", None),
    ("short (scan)", "PR", None),
    ("common + agent filter", "deploy", SearchFilters(agent="Agent-3")),
]


async def fill(bus: Bus, count: int, seed: int) -> float:
    """Store `count` messages in batches; return the seconds it took."""
    rng = random.Random(seed)
    agents = list(bus.configured.values())
    envelope = requests.envelope("bench", {})
    start = time.perf_counter()
    for offset in range(0, count, FILL_BATCH):
        rows = [
            compose(envelope, agents[n % len(agents)], chatter(rng), 3)
            for n in range(offset, min(count, offset + FILL_BATCH))
        ]
        await bus.outbox.store_all(rows)
    return time.perf_counter() - start


async def latencies(bus: Bus, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per query kind, `rounds` times each, kinds interleaved."""
    found: dict[str, list[float]] = {kind: [] for kind, _, _ in QUERIES}
    hits: dict[str, int] = {}
    for _ in range(rounds):
        for kind, query, filters in QUERIES:
            start = time.perf_counter()
            result = await bus.search(query, filters, limit=20)
            found[kind].append((time.perf_counter() - start) * 1000)
            hits[kind] = len(result.hits)
    for kind, n in hits.items():
        found[f"{kind} ({n} hits)"] = found.pop(kind)
    return found


async def latency_run(database: str | None, count: int, rounds: int, seed: int) -> list[list]:
    swarm = temp_swarm(agents=8, database=database)
    async with await Bus.open(swarm) as bus:
        seconds = await fill(bus, count, seed)
        print(f"  filled {count:,} messages in {seconds:.1f} s", file=sys.stderr)
        repository = SearchRepository(bus.db.connector)
        # what a running dispatcher's upkeep (every second) does after a fill: sends
        # leave the indexing to it (or to the first search), then autovacuum's merge
        await repository.catch_up()
        if bus.db.connector.dialect == "postgres":
            await repository.merge_pending()
            await bus.db.connector.execute("ANALYZE agent_messages, agent_messages_search")
        await latencies(bus, 2)  # warm the caches and the statement cache
        measured = await latencies(bus, rounds)
    everything = [ms for values in measured.values() for ms in values]
    rows = [
        [kind, f"{median(v):.2f}", f"{percentile(v, 0.99):.2f}"] for kind, v in measured.items()
    ]
    rows.append(["**all**", f"{median(everything):.2f}", f"{percentile(everything, 0.99):.2f}"])
    return rows


def without_search_sql(dialect: str) -> list[str]:
    """The statements that take the search machinery away (for the send-cost baseline)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER agent_messages_search_{event}" for event in ("update", "delete")]
    return [
        "DROP TRIGGER agent_messages_search_insert ON agent_messages",
        "DROP TRIGGER agent_messages_search_update ON agent_messages",
        "DROP TABLE agent_messages_search",
    ]


async def send_rate(
    database: str | None, count: int, producers: int, search: bool
) -> tuple[float, float]:
    """(messages/s through `Bus.send` into a fresh database, seconds after the last send until
    the search index held every message). The connector's upkeep runs meanwhile, as in a
    running dispatcher: on SQLite it is what indexes new messages in the background."""
    swarm = temp_swarm(agents=8, database=database)
    rng = random.Random(7)
    bodies = [chatter(rng) for _ in range(count)]
    async with await Bus.open(swarm) as bus:
        if not search:
            for statement in without_search_sql(bus.db.connector.dialect):
                await bus.db.connector.execute(statement)
        agents = list(bus.configured)

        async def produce(offset: int) -> None:
            for n in range(offset, count, producers):
                await bus.send("bench", agents[n % len(agents)], bodies[n])

        async with anyio.create_task_group() as upkeep:
            upkeep.start_soon(bus.db.connector.upkeep)
            start = time.perf_counter()
            async with anyio.create_task_group() as group:
                for offset in range(producers):
                    group.start_soon(produce, offset)
            sent = time.perf_counter()
            index = SearchRepository(bus.db.connector)
            while search and await index.waiting():
                await anyio.sleep(0.01)
            upkeep.cancel_scope.cancel()
        return count / (sent - start), time.perf_counter() - sent


async def send_cost(databases: list[str | None], args: argparse.Namespace) -> list[list]:
    rates: dict[bool, list[float]] = {True: [], False: []}
    lags: list[float] = []
    fresh = iter(databases)
    for _ in range(args.runs):
        for search in (False, True):
            rate, lag = await send_rate(next(fresh), args.sends, args.producers, search)
            rates[search].append(rate)
            lags += [lag] if search else []
    without, with_ = median(rates[False]), median(rates[True])
    return [
        ["without the search index", f"{without:,.0f}", "", ""],
        [
            "with it",
            f"{with_:,.0f}",
            f"{100 * (without - with_) / without:+.1f} % lost",
            f"{median(lags):.2f} s",
        ],
    ]


def report(backend: str, args: argparse.Namespace, fresh: Callable[[], str | None]) -> None:
    print(f"{backend}: filling and searching…", file=sys.stderr)
    rows = anyio.run(latency_run, fresh(), args.messages, args.rounds, args.seed)
    print_table(
        f"{backend}: Bus.search latency over {args.messages:,} messages, ms, "
        f"{args.rounds} rounds per query (limit 20)",
        ["query", "p50", "p99"],
        rows,
    )
    print(f"{backend}: measuring send throughput…", file=sys.stderr)
    rows = anyio.run(send_cost, [fresh() for _ in range(2 * args.runs)], args)
    print_table(
        f"{backend}: Bus.send throughput, messages/s ({args.sends:,} messages, "
        f"{args.producers} senders, median of {args.runs})",
        ["", "messages/s", "cost", "all indexed after the last send"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sends", type=int, default=10_000)
    parser.add_argument("--producers", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}", file=sys.stderr)
    if not args.postgres_only:
        report("SQLite", args, lambda: None)
    if args.postgres or args.postgres_only:
        made: list[str] = []

        def fresh() -> str:
            made.append(temp_postgres())
            return made[-1]

        try:
            report("PostgreSQL", args, fresh)
        finally:
            for url in made:
                drop_postgres(url)


if __name__ == "__main__":
    main()
