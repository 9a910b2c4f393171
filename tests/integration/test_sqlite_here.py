"""SQLite's short write transactions run on the event loop's thread when the lock is free,
and never make the loop wait for a lock another process holds."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

from swarmbus.bus.api import Bus
from swarmbus.storage import sqlite_hop
from swarmbus.storage.database import Database, open_database
from swarmbus.storage.sqlite import connect


async def test_a_send_behind_another_process_lock_waits_off_the_loop(bus: Bus) -> None:
    """Another process holds the write lock for 0.4 s: the send waits for it on the
    connection's thread while the loop keeps ticking, then commits."""
    assert bus.db.connector.run_here
    other = sqlite3.connect(bus.db.location, isolation_level=None, check_same_thread=False)
    gaps: list[float] = []
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE agent_workspaces SET team = 'held' WHERE agent_id = 'Agent-1'")

        async def tick() -> None:
            last = time.monotonic()
            while True:
                await anyio.sleep(0.01)
                gaps.append(time.monotonic() - last)
                last = time.monotonic()

        async with anyio.create_task_group() as tg:
            tg.start_soon(tick)
            await anyio.sleep(0.05)
            tg.start_soon(anyio.to_thread.run_sync, _commit_later, other)
            started = time.monotonic()
            sent = await bus.send("p", "Agent-1", "after the lock")
            waited = time.monotonic() - started
            tg.cancel_scope.cancel()
    finally:
        other.close()
    assert waited >= 0.3  # it did wait for the other process's commit
    assert max(gaps) < 0.2, f"the event loop stalled {max(gaps):.3f} s"
    assert (await bus.db.messages.get(sent)) is not None


def _commit_later(conn: sqlite3.Connection) -> None:
    time.sleep(0.4)
    conn.execute("COMMIT")


async def test_writes_here_set_the_busy_timeout_once_and_others_get_it_back(
    tmp_path: Path,
) -> None:
    """Writes on the loop's thread run with a zero busy timeout, set by the first of them
    and not again; a statement sent to the connection's thread gets the configured one."""
    db = await open_database(tmp_path / "here.db", busy_timeout_ms=1234)
    statements: list[str] = []
    try:
        assert db.connector.run_here
        db.connector._conn._conn.set_trace_callback(statements.append)
        for _ in range(3):
            await db.connector.atomic(lambda tx: tx.execute("DELETE FROM agent_messages"))
        row = await db.connector.fetch_one("PRAGMA busy_timeout")
        await db.connector.atomic(lambda tx: tx.execute("DELETE FROM agent_messages"))
    finally:
        await db.close()
    assert row == {"timeout": 1234}
    pragmas = [s for s in statements if s.startswith("PRAGMA busy_timeout =")]
    assert pragmas == [
        "PRAGMA busy_timeout = 0",
        "PRAGMA busy_timeout = 1234",
        "PRAGMA busy_timeout = 0",
    ]


async def test_synchronous_full_commits_on_the_connection_thread(tmp_path: Path) -> None:
    """FULL syncs the file at each commit: that wait stays off the event loop."""
    db = await open_database(tmp_path / "full.db", synchronous="full")
    try:
        assert not db.connector.run_here
    finally:
        await db.close()


async def test_a_write_whose_returned_rows_go_unread_blocks_no_later_commit(bus: Bus) -> None:
    """`execute` runs a statement to its end and closes it: a half-run write (its
    RETURNING rows unread) would stay in progress in aiosqlite's worker thread, and every
    later COMMIT on the connection failed as 'database busy' (four tries, then an error)."""
    connector = bus.db.connector
    changed = await connector.execute(
        "UPDATE agent_workspaces SET team = 'moved' RETURNING agent_id"
    )
    assert changed == len(bus.configured)
    with anyio.fail_after(2):
        sent = await bus.send("p", "Agent-1", "after a RETURNING write")  # runs here
        assert await connector.atomic(
            lambda tx: tx.execute("UPDATE agent_workspaces SET team = 'back' RETURNING agent_id")
        ) == len(bus.configured)
        await connector.execute_many(
            "UPDATE agent_workspaces SET team = :team WHERE agent_id = :agent",
            [{"team": "again", "agent": "Agent-1"}],
        )
        sent_again = await bus.send("p", "Agent-1", "and after another")
    assert len({sent, sent_again}) == 2


async def test_a_close_in_a_cancelled_scope_waits_for_the_connection_thread(
    tmp_path: Path,
) -> None:
    """A close inside a cancelled scope still waits for the statement under way, so the
    connection's thread never answers an event loop that has gone away."""
    connector = await connect(tmp_path / "closing.db")
    thread = connector._conn._thread
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(connector._call, lambda conn: time.sleep(0.3))
            await anyio.sleep(0.05)
            scope.cancel()
            await connector.close()
    thread.join(0.05)
    assert not thread.is_alive()


def _holder(location: str) -> sqlite3.Connection:
    """Another connection holding the write lock, releasable from any thread."""
    other = sqlite3.connect(location, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


async def _in_one_hop(db: Database) -> None:
    await db.connector.atomic(lambda tx: tx.execute("UPDATE agent_workspaces SET team = 'x'"))


async def _statement_by_statement(db: Database) -> None:
    async with db.connector.transaction() as tx:  # (acks, reservations, the command ledger)
        await tx.execute("UPDATE agent_workspaces SET team = 'x'")


@pytest.mark.parametrize("write", [_in_one_hop, _statement_by_statement])
async def test_a_write_that_found_the_lock_taken_looks_again_within_a_millisecond(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Callable[[Database], Awaitable[None]]
) -> None:
    """A write that finds the lock taken tries BEGIN again after 0.1 ms, not after SQLite's
    busy handler's first sleep of 1 ms: the holder commits during that first pause."""
    db = await open_database(tmp_path / "prompt.db", busy_timeout_ms=1234)
    other = _holder(db.location)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if other.in_transaction:
            other.execute("COMMIT")

    monkeypatch.setattr(sqlite_hop, "time", SimpleNamespace(sleep=pause))
    try:
        await write(db)
        assert pauses == [sqlite_hop.PROMPT_PAUSES[0]]
        assert await db.connector.fetch_one("PRAGMA busy_timeout") == {"timeout": 1234}
    finally:
        other.close()
        await db.close()


async def test_a_lock_held_past_the_prompt_looks_is_waited_for_with_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held through every prompt look, the lock is then waited for by SQLite's own busy
    handler, with the connection's busy timeout back in force, until the holder commits."""
    db = await open_database(tmp_path / "patient.db", busy_timeout_ms=3000)
    other = _holder(db.location)
    pauses: list[float] = []
    monkeypatch.setattr(sqlite_hop, "time", SimpleNamespace(sleep=pauses.append))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, _commit_later, other)
            await db.connector.atomic(lambda tx: tx.execute("DELETE FROM agent_messages"))
        assert pauses == list(sqlite_hop.PROMPT_PAUSES)
        assert not other.in_transaction  # it waited for the commit, 0.4 s after the start
        assert await db.connector.fetch_one("PRAGMA busy_timeout") == {"timeout": 3000}
    finally:
        other.close()
        await db.close()


async def test_the_attempt_mark_commits_as_one_statement(bus: Bus) -> None:
    """Before a paste touches the screen its mark is committed: one UPDATE in a transaction
    of its own, without the BEGIN and COMMIT statements around it."""
    message_id = await bus.send("p", "Agent-1", "paste me")
    claim = await bus.db.claims.claim(
        {("Agent-1", 2): 1}, limit=1, lease_seconds=30, claimed_by="here"
    )
    statements: list[str] = []
    bus.db.connector._conn._conn.set_trace_callback(statements.append)
    try:
        assert await bus.db.leases.begin_attempt(message_id, claim.token, "here", 30)
    finally:
        bus.db.connector._conn._conn.set_trace_callback(None)
    assert [s.split()[0] for s in statements] == ["UPDATE"]
    assert (await bus.get(message_id)).attempt_by == "here"


async def test_a_full_claim_takes_its_batch_in_a_transaction(bus: Bus) -> None:
    """SQLite's `claim_runs` checks a run id by id, which suits the few messages an
    announcement names: a full claim's batch is taken by `claim_messages` inside
    BEGIN IMMEDIATE, its heads read again under the lock."""
    sent = [await bus.send("p", "Agent-1", f"message {n}") for n in range(3)]
    statements: list[str] = []
    bus.db.connector._conn._conn.set_trace_callback(statements.append)
    try:
        claim = await bus.db.claims.claim(
            {("Agent-1", 2): 64}, limit=64, lease_seconds=30, claimed_by="here"
        )
    finally:
        bus.db.connector._conn._conn.set_trace_callback(None)
    assert [m.message_id for m in claim.messages] == sent
    assert "BEGIN IMMEDIATE" in statements
    assert not any("json_each(:runs)" in s or "AS run," in s for s in statements)
