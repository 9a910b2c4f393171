"""Pruning finished history on both backends: whole closed threads only, never a message still
in play, dead-lettered, unread or unacknowledged, nor the rest of its thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.storage import retention
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
OLD = "2020-01-01T00:00:00.000Z"


async def test_prune_removes_only_finished_messages(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(["Done", "Dead", "Waiting", "Held"], bus={"max_retries": 0})
    async with await Bus.open(swarm) as bus:
        delivered = [await bus.send("p", "Done", f"m{n}") for n in range(3)]
        dead = await bus.send("p", "Dead", "fails")
        expired = await bus.send("p", "Waiting", "too late", expires_in=0.001)
        fails = MemoryTransport(fail=lambda m, _a: "down" if m.to_agent == "Dead" else None)
        await Dispatcher(bus, {"memory": fails}).run(once=True)
        await bus.read("Done", "Done")  # read, so their threads are closed
        pending = await bus.send("p", "Waiting", "later")
        held = await bus.send("p", "Held", "claimed")
        claim = await bus.db.claims.claim(
            {("Held", 2): 1}, limit=1, lease_seconds=60, claimed_by="elsewhere"
        )
        assert [m.message_id for m in claim.messages] == [held]
        async with bus.db.connector.transaction() as tx:  # make everything look a year old
            await tx.execute("UPDATE agent_messages SET sent_at = :old", {"old": OLD})
            await tx.execute(
                "UPDATE agent_messages SET processed_at = :old WHERE processed_at IS NOT NULL",
                {"old": OLD},
            )
        cutoff = timefmt.utcnow() - timedelta(days=30)
        counted = await retention.count(bus.db, cutoff)
        done = await retention.prune(bus.db, cutoff, batch=2)
        assert counted.rows["messages"] == done.rows["messages"] == 4  # 3 delivered, 1 expired
        left = {m.message_id: m.delivery_status for m in await bus.db.messages.list(limit=100)}
    assert left == {dead: "failed", pending: "pending", held: "claimed"}
    assert not set(delivered) & set(left)
    assert expired not in left


async def _age(bus: Bus) -> None:
    """Make every message look a year old."""
    async with bus.db.connector.transaction() as tx:
        await tx.execute("UPDATE agent_messages SET sent_at = :old", {"old": OLD})
        await tx.execute(
            "UPDATE agent_messages SET processed_at = :old WHERE processed_at IS NOT NULL",
            {"old": OLD},
        )


async def test_prune_keeps_open_threads_whole_and_takes_closed_ones_with_their_index(
    make_swarm: Callable[..., Swarm],
) -> None:
    from swarmbus.storage.search import SearchRepository

    async with await Bus.open(make_swarm(["A", "B"])) as bus:
        closed = await bus.send("A", "B", "closed thread about zanzibar")
        closed_reply = (await bus.reply(closed, "B", "zanzibar answer")).message_ids["A"]
        waiting = await bus.send("A", "B", "thread with a pending reply zanzibar")
        unread = await bus.send("A", "B", "nobody opened this zanzibar")
        unacked = await bus.send("A", "B", "ack me zanzibar", ack_required=True)
        await Dispatcher(bus, {"memory": MemoryTransport()}).run(once=True)
        await bus.read("A", "A")
        for message_id in (closed, waiting, unacked):
            await bus.opened([message_id], "B")
        pending_reply = (await bus.reply(waiting, "B", "not delivered yet")).message_ids["A"]
        await _age(bus)
        search = SearchRepository(bus.db.connector)
        assert len((await bus.search("zanzibar")).hits) == 5
        before = await search.index_size()
        cutoff = timefmt.utcnow() - timedelta(days=30)
        counted = await retention.count(bus.db, cutoff)
        done = await retention.prune(bus.db, cutoff, batch=1)
        after = await search.index_size()
        left = {m.message_id for m in await bus.messages(limit=100)}
        found = {h.message.message_id for h in (await bus.search("zanzibar")).hits}
        unread_too = await retention.prune(bus.db, cutoff, include_unread=True)
        gone = {m.message_id for m in await bus.messages(limit=100)}
    assert counted.rows["messages"] == done.rows["messages"] == 2  # the closed thread, whole
    assert done.kept_in_open_threads == counted.kept_in_open_threads == 3  # not pending_reply
    assert left == {waiting, pending_reply, unread, unacked}
    assert {closed, closed_reply}.isdisjoint(found)
    assert before["documents"] - after["documents"] == 2  # (FTS5 keeps delete markers: bytes
    # shrink only when its segments merge)
    assert unread_too.rows["messages"] == 1
    assert gone == {waiting, pending_reply, unacked}
