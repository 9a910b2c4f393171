"""Pruning finished history on both backends, never a message still in play or dead-lettered."""

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
