"""The raw per-message cycle on PostgreSQL: the reference for one sequential sender.

Per message, each step its own statement and its own transaction, as the raw
sqlite3 cycle of bench/throughput.py: insert (committed durably, as a send is),
claim the oldest pending row (`UPDATE … RETURNING`) and mark it delivered, both
committed without waiting for the disk, as swarmbus commits claims and the
settles of an idempotent transport. `cycle`: a three-column table with one partial
index, on asyncpg with prepared statements, the least a client of this server can do;
`schema_cycle`: the same on swarmbus's own table.
"""

from __future__ import annotations

from collections.abc import Sequence

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


async def schema_cycle(count: int, url: str, drop: Sequence[str] = ()) -> float:
    """The same cycle on swarmbus's own table, migrated: its rows, CHECKs, indexes and
    triggers; without the indexes named in `drop` (bench/indexes.py)."""
    import asyncpg

    from swarmbus.storage.database import open_database

    await (await open_database(url)).close()  # every migration applied
    sender = await asyncpg.connect(url)
    worker = await asyncpg.connect(url, server_settings={"synchronous_commit": "off"})
    try:
        for name in drop:
            await sender.execute(f'DROP INDEX "{name}"')
        agents = [f"Agent-{n}" for n in range(8)]
        await sender.executemany(
            "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
            "VALUES ($1, 't', 's', 'c')",
            [(agent,) for agent in agents],
        )
        insert = await sender.prepare(
            "INSERT INTO agent_messages (message_id, thread_id, from_agent, to_agent, "
            "priority, tags, content, delivery_method) "
            "VALUES ($1, $1, 'bench', $2, 'normal', '[]', $3, 'memory')"
        )
        claim = await worker.prepare(
            "UPDATE agent_messages SET delivery_status = 'claimed', claim_token = 't', "
            "lease_expires_at = now() + interval '30 seconds' WHERE message_id = (SELECT "
            "message_id FROM agent_messages WHERE to_agent = $1 AND priority_rank = 2 AND "
            "delivery_status IN ('pending', 'claimed', 'retrying') ORDER BY message_id "
            "LIMIT 1) RETURNING message_id"
        )
        deliver = await worker.prepare(
            "UPDATE agent_messages SET delivery_status = 'delivered', status = 'delivered', "
            "processed_at = now(), lease_expires_at = NULL, claim_token = NULL "
            "WHERE message_id = $1"
        )
        start = server_cpu.begin()
        for n in range(count):
            agent = agents[n % len(agents)]
            await insert.fetch(f"{n:026d}", agent, PAYLOAD)
            await deliver.fetch(await claim.fetchval(agent))
        return count / server_cpu.end(start)
    finally:
        await sender.close()
        await worker.close()
