"""Migration 0003 on a database the earlier migrations filled, on both backends.

Existing rows become one-message threads, the search index is backfilled (as
many documents as messages, and they are found), and nothing else changes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import anyio.to_thread
import pytest

from swarmbus.model.conversations import SearchFilters
from swarmbus.storage import migrations
from swarmbus.storage.connector import Connector
from swarmbus.storage.database import open_database
from swarmbus.storage.postgres import connect as pg_connect
from swarmbus.storage.search import SearchRepository
from swarmbus.storage.sqlite import connect, enable_wal

CONVERSATIONS = 3  # the migration under test
ROWS = 40


@pytest.fixture(params=["sqlite", "postgres"])
async def at_version_two(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """A database location migrated to version 2 only (empty, made for this test)."""
    if request.param == "sqlite":
        yield str(tmp_path / "old.db")
        return
    from tests import postgres

    url = postgres.url_of(f"{postgres.PREFIX}v2_{os.getpid()}_{id(request)}")
    name = url.rsplit("/", 1)[1]
    await anyio.to_thread.run_sync(
        postgres.admin, f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"
    )
    try:
        yield url
    finally:
        await anyio.to_thread.run_sync(postgres.drop, url)


async def _open(location: str) -> Connector:
    if location.startswith("postgresql://"):
        return await pg_connect(location)
    connector = await connect(location)
    await enable_wal(connector)
    return connector


async def _fill(connector: Connector) -> None:
    await connector.execute(
        "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
        "VALUES ('Agent-1', 't', 's', 'c')"
    )
    async with connector.transaction() as tx:
        await tx.execute_many(
            "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content) "
            "VALUES (:id, 'person', 'Agent-1', 'normal', :content)",
            [
                {"id": f"01M8{n:022d}", "content": f"message {n} about storage/claims.py"}
                for n in range(ROWS)
            ],
        )


async def test_old_rows_become_threads_and_enter_the_search_index(at_version_two: str) -> None:
    dialect = "postgres" if at_version_two.startswith("postgresql://") else "sqlite"
    packaged = migrations.packaged_migrations(dialect)
    assert packaged[CONVERSATIONS - 1].name == "conversations"
    connector = await _open(at_version_two)
    try:
        await migrations.migrate(connector, packaged[: CONVERSATIONS - 1])
        await _fill(connector)
    finally:
        await connector.close()
    async with await open_database(at_version_two) as db:  # upgrades in place
        assert await migrations.current_version(db.connector) == packaged[-1].version
        rows = await db.messages.list(limit=1000)
        search = SearchRepository(db.connector)
        size = await search.index_size()
        found = await search.search("claims.py", SearchFilters(), limit=100)
        one = await search.search("message 17 ", SearchFilters(), limit=100)
    assert len(rows) == ROWS
    assert all(m.thread_id == m.message_id and m.reply_to is None for m in rows)
    assert all(not m.ack_required and m.read_at is None and m.subject is None for m in rows)
    assert size["documents"] == ROWS
    assert size["bytes"] > 0
    assert len(found) == ROWS
    assert [f.message.content for f in one] == ["message 17 about storage/claims.py"]
