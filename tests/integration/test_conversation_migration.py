"""Migrations on a database the earlier migrations filled, on both backends.

0003: existing rows become one-message threads, the search index is backfilled (as
many documents as messages, and they are found), and nothing else changes.
0018-0022: the indexes that reads go through are rebuilt; every row stays, and the
counts, the unread and listings by status, by agent and for a person answer as the rows
say.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import anyio.to_thread
import pytest

from swarmbus.model.conversations import SearchFilters
from swarmbus.storage import inspection, migrations
from swarmbus.storage.connector import Connector
from swarmbus.storage.conversations import ConversationRepository
from swarmbus.storage.database import open_database
from swarmbus.storage.people import PersonRepository
from swarmbus.storage.postgres import connect as pg_connect
from swarmbus.storage.search import SearchRepository
from swarmbus.storage.sqlite import connect, enable_wal

CONVERSATIONS = 3  # the migration under test
READ_INDEXES = 18  # the first of 0018-0022
ROWS = 40


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_location(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """A database location with nothing in it yet (made for this test)."""
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


async def _fill(connector: Connector, *, threads: bool = False) -> None:
    """ROWS messages to Agent-1; `threads`: each its own thread's first (0003 on)."""
    await connector.execute(
        "INSERT INTO agent_workspaces (agent_id, team, specialization, captain) "
        "VALUES ('Agent-1', 't', 's', 'c')"
    )
    column, value = (", thread_id", ", :id") if threads else ("", "")
    async with connector.transaction() as tx:
        await tx.execute_many(
            f"INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content"
            f"{column}) VALUES (:id, 'person', 'Agent-1', 'normal', :content{value})",
            [
                {"id": f"01M8{n:022d}", "content": f"message {n} about storage/claims.py"}
                for n in range(ROWS)
            ],
        )


async def test_old_rows_become_threads_and_enter_the_search_index(empty_location: str) -> None:
    dialect = "postgres" if empty_location.startswith("postgresql://") else "sqlite"
    packaged = migrations.packaged_migrations(dialect)
    assert packaged[CONVERSATIONS - 1].name == "conversations"
    connector = await _open(empty_location)
    try:
        await migrations.migrate(connector, packaged[: CONVERSATIONS - 1])
        await _fill(connector)
    finally:
        await connector.close()
    async with await open_database(empty_location) as db:  # upgrades in place
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


async def test_the_read_indexes_keep_every_row_and_answer_as_the_rows_say(
    empty_location: str,
) -> None:
    dialect = "postgres" if empty_location.startswith("postgresql://") else "sqlite"
    packaged = migrations.packaged_migrations(dialect)
    connector = await _open(empty_location)
    try:
        await migrations.migrate(connector, packaged[: READ_INDEXES - 1])
        await _fill(connector, threads=True)
        when = "'2026-01-01T00:00:00.000Z'"
        await connector.execute(  # the oldest 30 read, the newest 5 dead letters
            f"UPDATE agent_messages SET read_at = {when} WHERE message_id < '01M8{30:022d}'"
        )
        await connector.execute(
            "UPDATE agent_messages SET delivery_status = 'failed', status = 'failed', "
            f"processed_at = {when} WHERE message_id >= '01M8{35:022d}'"
        )
        await connector.execute(  # the newest answers the oldest, which the person wrote
            f"UPDATE agent_messages SET reply_to = '01M8{0:022d}' "
            f"WHERE message_id = '01M8{ROWS - 1:022d}'"
        )
    finally:
        await connector.close()
    async with await open_database(empty_location) as db:  # upgrades in place
        counts = await db.messages.counts()
        unread = await ConversationRepository(db.connector).inbox("Agent-1", unread=True, limit=99)
        failed = await db.messages.list(status="failed")
        sent = await db.messages.list(agent="person", limit=99)
        owed = await PersonRepository(db.connector).for_person("person", "person", None, 99)
        missing = await inspection.missing_indexes(db.connector)
    assert counts.by_status == {("Agent-1", "pending"): 35, ("Agent-1", "failed"): 5}
    assert counts.unread == {"Agent-1": 10}
    assert [m.message_id for m in unread] == [f"01M8{n:022d}" for n in range(39, 29, -1)]
    assert [m.message_id for m in failed] == [f"01M8{n:022d}" for n in range(39, 34, -1)]
    assert [m.message_id for m in sent] == [f"01M8{n:022d}" for n in range(ROWS - 1, -1, -1)]
    assert [m.message_id for m in owed] == [f"01M8{ROWS - 1:022d}"]
    assert missing == []
