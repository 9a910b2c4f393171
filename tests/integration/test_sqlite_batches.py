"""SQLite's side of batched claims: a claim statement aborted halfway, the one-hop
runner refusing a body that suspends, and an empty claim that takes no write lock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from swarmbus.bus.api import Bus
from swarmbus.storage import sqlite_hop
from tests.integration.test_batches import LANES, send_six, statuses


async def test_a_claim_statement_that_fails_halfway_claims_nothing(bus: Bus) -> None:
    """SQLite: a trigger aborts the claim's UPDATE on its fourth row."""
    sent = await send_six(bus)
    await bus.db.connector.execute(
        "CREATE TEMP TRIGGER crash BEFORE UPDATE OF claim_token ON agent_messages "
        f"WHEN NEW.message_id = '{sorted(sent)[3]}' BEGIN SELECT RAISE(ABORT, 'crash'); END"
    )
    with pytest.raises(Exception, match="crash"):
        await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="crashes")
    assert await statuses(bus) == {message_id: ("pending", None) for message_id in sent}


async def test_a_body_that_awaits_anything_else_is_refused(bus: Bus) -> None:
    """The one-hop runner has no event loop: a body that suspends is rolled back."""
    sent = await bus.send("p", "Agent-1", "stays")

    async def suspends(tx: Any) -> None:
        await tx.execute("DELETE FROM agent_messages")
        await asyncio.sleep(0)  # a bare suspension, as any I/O would make

    with pytest.raises(RuntimeError, match="awaited something"):
        await bus.db.connector.atomic(suspends)
    assert list(await statuses(bus)) == [sent]
    assert sqlite_hop.run_to_end(_answer()) == 42


async def _answer() -> int:
    return 42


async def test_a_claim_that_finds_nothing_ready_takes_no_write_lock(bus: Bus) -> None:
    """Another process holds the write lock: an empty claim still answers at once."""
    import sqlite3

    import anyio

    sent = await bus.send("p", "Agent-1", "in play")
    first = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in first.messages] == [sent]
    other = sqlite3.connect(bus.db.location, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with anyio.fail_after(1):  # the busy timeout would be 5 s
            empty = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="me")
        assert empty.messages == []
        assert 29 < (empty.next_due_in or 0) <= 30  # the held lease's end, read without a lock
        other.execute("ROLLBACK")
    finally:
        other.close()
