"""What the commit hook reads: a project's live exclusive reservations held by others.

The hook runs on every commit and the commit waits for it, so this reads the
way that starts fastest: SQLite through the standard library's `sqlite3`,
read-only (no aiosqlite thread, no event loop, no migration, nothing written),
PostgreSQL over one plain asyncpg connection (no pool). Liveness is judged by
the database's clock, in the `guard_holds` query both dialects define.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from swarmbus import errors
from swarmbus.storage import queries as sql

CONNECT_TIMEOUT = 5.0  # seconds to reach a PostgreSQL server before the hook gives up
BUSY_TIMEOUT = 2.0  # seconds SQLite waits for a lock (readers rarely need one under WAL)
SQLITE_PREFIX = "sqlite:///"


def holds(location: str, project: str, agent: str) -> list[dict[str, Any]]:
    """Rows (agent_id, pattern, reason, expires_at as text) of `project`'s live exclusive
    reservations not held by `agent`; `StorageError` when the database cannot answer."""
    params = {"project": project, "agent_id": agent}
    if location.startswith(("postgresql://", "postgres://")):
        import asyncio

        return asyncio.run(_postgres(location, params))
    return _sqlite(location.removeprefix(SQLITE_PREFIX), params)


def _sqlite(path: str, params: dict[str, str]) -> list[dict[str, Any]]:
    from pathlib import Path

    if not Path(path).is_file():
        raise errors.DatabaseMissing(f"no swarmbus database at {path}")
    try:
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT
        )
        try:
            cursor = conn.execute(sql.load("sqlite")["guard_holds"], params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise errors.StorageError(f"{path}: {exc}") from exc


async def _postgres(url: str, params: dict[str, str]) -> list[dict[str, Any]]:
    from swarmbus.model import timefmt
    from swarmbus.storage import postgres

    location = postgres.redacted(url)
    asyncpg = postgres.driver(location)
    query, names = postgres.compile_query(sql.load("postgres")["guard_holds"])
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
        try:
            rows = await conn.fetch(query, *(params[name] for name in names))
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise postgres.translate(exc, location) from exc
    return [{**dict(row), "expires_at": timefmt.to_text(row["expires_at"])} for row in rows]
