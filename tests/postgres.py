"""Throwaway PostgreSQL databases for tests: one migrated template per session, cloned per test.

`CREATE DATABASE … TEMPLATE` copies a migrated schema in a few tens of
milliseconds, so every test gets a database of its own and runs do not touch
each other. The server is the machine's (127.0.0.1:5432, trust auth); set
SWARMBUS_TEST_POSTGRES to use another.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL = os.environ.get("SWARMBUS_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
PREFIX = "swarmbus_test_"


def url_of(name: str) -> str:
    """The admin URL with its database replaced by `name`."""
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def admin(*statements: str) -> None:
    """Run statements on the admin database (outside any transaction)."""
    asyncio.run(_admin(statements))


async def _admin(statements: tuple[str, ...]) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def create_template() -> str:
    """A migrated database to clone; returns its name."""
    from swarmbus.storage.database import open_database

    name = f"{PREFIX}template_{os.getpid()}"
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")

    async def migrate() -> None:
        db = await open_database(url_of(name))
        await db.close()

    asyncio.run(migrate())
    return name


def clone(template: str) -> str:
    """A fresh copy of the template; returns its URL."""
    name = f"{PREFIX}{secrets.token_hex(6)}"
    admin(f"CREATE DATABASE {name} TEMPLATE {template}")
    return url_of(name)


def drop(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
