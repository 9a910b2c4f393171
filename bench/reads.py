"""What an agent's reads cost as its history grows, on SQLite, with and without the
planner's statistics (a swarm that never ran `swarmbus db analyze` has none).

An agent reads far more often than it sends: the MCP `inbox` and `whoami` tools and
`swarmbus read` list its newest messages or its unread ones, and a face that shows a
message marks it read; a dashboard lists the dead letters (there are none here, the
common case) and counts every recipient's messages on each refresh, and the bot's status
report shows the latest deliveries.
Each point is a database of 7 recipients' delivered history (all of it read but the
newest 5 of each; an eighth agent and the person have none), read through the storage's
own calls; microseconds per read, the median of up to `REPEATS`, beside the smallest point
(target: flat, within 20%). Not flat: the dashboard's counts walk an index of the
whole table, and the person page costs a look-up per message the person wrote (the
`person` here wrote none; a second person wrote one message in 1,000, so 1, 100 and
1,000 of them).

Usage: python bench/reads.py [--quick]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from common import print_table, temp_swarm
from history import fill_sqlite

from swarmbus.storage.conversations import ConversationRepository
from swarmbus.storage.database import open_database
from swarmbus.storage.people import PersonRepository

REPEATS = 200
BUDGET_US = 2e6  # a slow read stops repeating after 2 s (5 times at least)
UNREAD_EACH = 5  # the newest messages of each recipient left unread
POINTS = (1_000, 100_000, 1_000_000)
WRITER = "web:alice"  # a person who writes now and then, and is answered
WROTE_ONE_IN = 1_000


async def point(history: int, analyze: bool) -> dict[str, float]:
    """µs per read, on a new database of `history` delivered messages."""
    swarm = temp_swarm(agents=8)
    async with await open_database(swarm.database):
        pass  # the schema
    agents = sorted(swarm.agents)
    fill_sqlite(swarm.database, agents[:-1], history, 0, analyze=False)  # the last: none
    _shape(swarm.database, analyze)
    async with await open_database(swarm.database) as db:
        reads, people = ConversationRepository(db.connector), PersonRepository(db.connector)
        quiet = agents[-1]
        newest = [m.message_id for m in await reads.inbox(agents[0], unread=False, limit=2)]
        cases: dict[str, Callable[[], Awaitable[object]]] = {
            "inbox, newest 20": lambda: reads.inbox(agents[0], unread=False, limit=20),
            "unread, newest 20": lambda: reads.inbox(agents[0], unread=True, limit=20),
            "mark 2 read": lambda: reads.mark_read(agents[0], newest),
            "dead letters, newest 20 (none)": lambda: db.messages.list(status="failed", limit=20),
            "latest 10 deliveries": lambda: db.messages.recent_deliveries(10),
            "status counts (dashboard)": lambda: db.messages.counts(),
            "to or from a quiet agent (agent page)": lambda: db.messages.list(agent=quiet),
            "a person's (person page)": lambda: people.for_person("person", "person", None, 20),
            f"a person who wrote 1 in {WROTE_ONE_IN:,}, each answered (person page)": lambda: (
                people.for_person(WRITER, WRITER, None, 20)
            ),
        }
        return {name: await _timed(read) for name, read in cases.items()}


def _shape(path: str, analyze: bool) -> None:
    """All read but each recipient's newest few; WRITER wrote one message in WROTE_ONE_IN,
    and the message after each answers it."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(
        "UPDATE agent_messages SET read_at = processed_at WHERE message_id NOT IN (SELECT "
        "message_id FROM (SELECT message_id, row_number() OVER (PARTITION BY to_agent "
        f"ORDER BY message_id DESC) AS n FROM agent_messages) WHERE n <= {UNREAD_EACH})"
    )
    db.execute(
        f"UPDATE agent_messages SET from_agent = '{WRITER}' WHERE rowid % {WROTE_ONE_IN} = 0"
    )
    db.execute(
        "UPDATE agent_messages SET reply_to = (SELECT asked.message_id FROM agent_messages "
        "AS asked WHERE asked.rowid = agent_messages.rowid - 1) "
        f"WHERE rowid % {WROTE_ONE_IN} = 1 AND rowid > 1"
    )
    if analyze:
        db.execute("ANALYZE")
    db.close()


async def _timed(read: Callable[[], Awaitable[object]]) -> float:
    await read()  # the statement prepared, the pages cached
    taken: list[float] = []
    while len(taken) < REPEATS and (len(taken) < 5 or sum(taken) < BUDGET_US):
        start = time.perf_counter()
        await read()
        taken.append((time.perf_counter() - start) * 1e6)
    return statistics.median(taken)


async def main(quick: bool) -> None:
    sizes = POINTS[:2] if quick else POINTS
    for analyze in (False, True):
        results = {size: await point(size, analyze) for size in sizes}
        first = results[sizes[0]]
        rows = [
            [
                name,
                *(
                    f"{results[s][name]:,.0f} ({results[s][name] / first[name]:.2f}x)"
                    for s in sizes
                ),
            ]
            for name in first
        ]
        state = "with statistics (ANALYZE)" if analyze else "without statistics"
        header = ["read", *(f"{s:,} messages" for s in sizes)]
        print_table(f"SQLite reads, µs, {state}", header, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="up to 100,000 messages")
    anyio.run(main, parser.parse_args().quick)
