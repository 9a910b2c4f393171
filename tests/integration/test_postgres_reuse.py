"""Pooled connections kept between statements (`ReusedConnections`), on a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from swarmbus import errors
from swarmbus.storage.database import open_database
from swarmbus.storage.postgres_reuse import ReusedConnections

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

PID = "SELECT pg_backend_pid() AS pid"


@pytest.fixture
async def pool(backend: str) -> AsyncIterator[Any]:
    import asyncpg

    opened = await asyncpg.create_pool(backend, min_size=1, max_size=1)
    yield opened
    await opened.close()


async def pid_of(conn: Any) -> int:
    return int(await conn.fetchval("SELECT pg_backend_pid()"))


async def test_single_statements_run_on_the_connection_the_last_one_used(backend: str) -> None:
    db = await open_database(backend)
    try:
        pids = {(await db.connector.fetch_one(PID))["pid"] for _ in range(20)}  # type: ignore[index]
        async with db.connector.transaction() as tx:
            inside = await tx.fetch_one(PID)
    finally:
        await db.close()
    assert len(pids) == 1
    assert inside == {"pid": pids.pop()}  # the transaction took the kept one


async def test_a_caller_waiting_on_a_full_pool_gets_the_next_connection_put_back(
    pool: Any,
) -> None:
    reused = ReusedConnections(pool, "test")
    held = await reused.take()  # the pool's only connection
    got: list[int] = []

    async def waiter() -> None:
        conn = await reused.take()
        got.append(await pid_of(conn))
        await reused.give_back(conn, clean=True)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            await anyio.sleep(0.1)  # the waiter is inside pool.acquire() now
            pid = await pid_of(held)
            await reused.give_back(held, clean=True)  # to the pool: somebody waits
    assert got == [pid]
    await reused.close()


async def test_a_connection_whose_statement_failed_goes_back_to_the_pool(pool: Any) -> None:
    import asyncpg

    reused = ReusedConnections(pool, "test")
    conn = await reused.take()
    with pytest.raises(asyncpg.PostgresError):
        await conn.fetch("SELECT 1 / 0")
    await reused.give_back(conn, clean=False)
    assert pool.get_idle_size() == 1  # released, so the pool reset it and holds it again
    clean = await reused.take()
    await reused.give_back(clean, clean=True)
    assert pool.get_idle_size() == 0  # kept here, not released
    await reused.close()
    assert pool.get_idle_size() == 1


async def test_a_connection_kept_too_long_or_closed_by_the_server_is_not_reused(
    pool: Any, backend: str
) -> None:
    import asyncpg

    reused = ReusedConnections(pool, "test", idle_limit=0.05)
    conn = await reused.take()
    first = await pid_of(conn)
    await reused.give_back(conn, clean=True)
    await anyio.sleep(0.1)
    again = await reused.take()  # the stale one went back to the pool, which handed it out anew
    assert again is not conn
    assert await pid_of(again) == first
    await reused.give_back(again, clean=True)

    admin = await asyncpg.connect(backend)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", first)
    finally:
        await admin.close()
    await anyio.sleep(0.2)  # the client sees the server close the socket
    fresh = await reused.take()
    assert await pid_of(fresh) != first
    await reused.give_back(fresh, clean=True)
    await reused.close()


async def test_connections_the_server_closed_while_kept_fail_no_statement(backend: str) -> None:
    """asyncpg takes a connection the server closed back into its pool and detaches the
    proxy we kept: asking that proxy anything raised, and failed the statement."""
    import asyncpg

    db = await open_database(backend)
    try:

        async def hold() -> None:
            async with db.connector.transaction() as tx:
                await tx.fetch_one(PID)
                await anyio.sleep(0.05)  # so that the others need connections of their own

        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(hold)
        admin = await asyncpg.connect(backend)
        try:
            cut = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        await anyio.sleep(0.3)  # the client sees the server close the sockets
        answers = [  # single statements, never retried (a claim's `first`)
            await db.connector.atomic(_nothing, first=lambda once: once.fetch_one(PID))
            for _ in range(4)
        ]
    finally:
        await db.close()
    assert cut >= 4
    assert all(answer is not None for answer in answers)


async def _nothing(tx: Any) -> None:
    return None


async def test_a_statement_cut_off_by_cancellation_leaves_the_next_one_a_working_connection(
    backend: str,
) -> None:
    db = await open_database(backend)
    try:
        with anyio.move_on_after(0.2):
            await db.connector.execute("SELECT pg_sleep(5)")
        row = await db.connector.fetch_one("SELECT 41 + 1 AS answer")
        assert row == {"answer": 42}
        with pytest.raises(errors.StorageError):
            await db.connector.execute("SELECT no_such_column FROM agent_messages")
        assert await db.connector.fetch_one("SELECT 2 AS two") == {"two": 2}
    finally:
        await db.close()


async def test_once_closed_nothing_is_handed_out_and_a_late_connection_goes_to_the_pool(
    pool: Any, backend: str
) -> None:
    reused = ReusedConnections(pool, "test")
    late = await reused.take()  # a statement still running when the database closes
    await reused.close()
    with pytest.raises(ValueError, match="database test is not open"):
        await reused.take()
    await reused.give_back(late, clean=True)
    assert pool.get_idle_size() == 1  # so the pool's close does not wait for it

    db = await open_database(backend)
    await db.close()
    with pytest.raises(ValueError, match="is not open"):
        await db.connector.fetch_one("SELECT 1 AS one")
