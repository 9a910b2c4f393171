"""Batched claims and settles (one transaction each, one hop on SQLite): all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from swarmbus.bus.api import Bus
from swarmbus.storage.claims import ClaimRepository, Outcome
from tests.conftest import BACKENDS
from tests.integration.test_leases import steal

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

LANES = {("Agent-1", 2): 10, ("Agent-2", 2): 10}


class Crash(Exception):
    """The process dying between the claim's statements and its commit."""


async def statuses(bus: Bus) -> dict[str, tuple[str, str | None]]:
    rows = await bus.db.connector.fetch_all(
        "SELECT message_id, delivery_status, claim_token FROM agent_messages"
    )
    return {row["message_id"]: (row["delivery_status"], row["claim_token"]) for row in rows}


async def send_six(bus: Bus) -> list[str]:
    return [await bus.send("p", f"Agent-{1 + n % 2}", f"m{n}") for n in range(6)]


async def test_a_batch_claim_that_crashes_after_taking_leaves_nothing_claimed(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = await send_six(bus)
    taken: list[int] = []
    original = ClaimRepository._claim_within

    async def crash_after_taking(self: ClaimRepository, tx: Any, request: Any) -> Any:
        rows, _ready = await original(self, tx, request)
        taken.append(len(rows))
        raise Crash

    monkeypatch.setattr(ClaimRepository, "_claim_within", crash_after_taking)
    with pytest.raises(Crash):
        await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="crashes")
    assert taken == [6]  # the statement took all six before the crash
    assert await statuses(bus) == {message_id: ("pending", None) for message_id in sent}
    monkeypatch.undo()
    claim = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="next")
    assert sorted(m.message_id for m in claim.messages) == sent


async def test_a_batch_settle_records_all_but_the_one_whose_lease_was_lost(bus: Bus) -> None:
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(3)]
    claim = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in claim.messages] == sent
    await steal(bus, [sent[1]])  # the middle one's lease ran out and another took it
    outcomes = [Outcome(message_id, claim.token, delivery_time_ms=1) for message_id in sent]
    assert await bus.db.claims.settle(outcomes) == ["delivered", "lost", "delivered"]
    after = await statuses(bus)
    assert after[sent[0]] == after[sent[2]] == ("delivered", None)
    assert after[sent[1]] == ("claimed", "thief")
