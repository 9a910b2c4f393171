"""Opening the swarm's database with the swarm's own settings (busy timeout, synchronous)."""

from __future__ import annotations

from typing import Any


async def open_swarm_database(swarm: Any, *, create: bool) -> Any:
    """`open_database` for the swarm's database, honouring its `[database]` table.

    `create`: whether the command may create a missing database (only commands
    that store something new do; the others refuse a mistyped path).
    """
    from swarmbus.storage.database import open_database

    settings = swarm.config.database
    return await open_database(
        swarm.database,
        synchronous=settings.synchronous,
        busy_timeout_ms=settings.busy_timeout_ms,
        create=create,
    )
