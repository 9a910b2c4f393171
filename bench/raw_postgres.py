"""The raw per-message cycle on PostgreSQL: the reference for one sequential sender.

Per message, each step its own statement and its own transaction, as the raw
sqlite3 cycle of bench/throughput.py: insert (committed durably, as a send is),
claim the oldest pending row (`UPDATE … RETURNING`) and mark it delivered, both
committed without waiting for the disk, as swarmbus commits claims and the
settles of an idempotent transport. A three-column table with one partial index,
on asyncpg with prepared statements: the least a client of this server can do.
"""

from __future__ import annotations

import server_cpu

PAYLOAD = "x" * 200
TABLE = (
    "CREATE TABLE q (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, "
    "status TEXT NOT NULL DEFAULT 'pending'); "
    "CREATE INDEX q_ready ON q (id) WHERE status = 'pending'"
)


async def cycle(count: int, url: str) -> float:
    """Messages a second through insert, claim and deliver, one at a time."""
    import asyncpg

    sender = await asyncpg.connect(url)
    worker = await asyncpg.connect(url, server_settings={"synchronous_commit": "off"})
    try:
        await sender.execute(TABLE)
        insert = await sender.prepare("INSERT INTO q (body) VALUES ($1)")
        claim = await worker.prepare(
            "UPDATE q SET status = 'claimed' WHERE id = (SELECT id FROM q WHERE status = "
            "'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
        )
        deliver = await worker.prepare("UPDATE q SET status = 'delivered' WHERE id = $1")
        start = server_cpu.begin()
        for _ in range(count):
            await insert.fetch(PAYLOAD)
            claimed = await claim.fetchval()
            await deliver.fetch(claimed)
        return count / server_cpu.end(start)
    finally:
        await sender.close()
        await worker.close()
