"""Batched claims and settles (one transaction each, one hop on SQLite): all or nothing."""

from __future__ import annotations

import pytest

from swarmbus import errors
from swarmbus.bus.api import Bus
from swarmbus.storage.claims import Outcome
from tests.conftest import BACKENDS
from tests.integration.test_leases import steal

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

LANES = {("Agent-1", 2): 10, ("Agent-2", 2): 10}


async def statuses(bus: Bus) -> dict[str, tuple[str, str | None]]:
    rows = await bus.db.connector.fetch_all(
        "SELECT message_id, delivery_status, claim_token FROM agent_messages"
    )
    return {row["message_id"]: (row["delivery_status"], row["claim_token"]) for row in rows}


async def send_six(bus: Bus) -> list[str]:
    return [await bus.send("p", f"Agent-{1 + n % 2}", f"m{n}") for n in range(6)]


CRASH_ON_CLAIM = {
    "sqlite": [
        "CREATE TRIGGER crash BEFORE UPDATE OF delivery_status ON agent_messages "
        "WHEN new.message_id = '{id}' AND new.delivery_status = 'claimed' "
        "BEGIN SELECT RAISE(ABORT, 'crash'); END",
    ],
    "postgres": [
        "CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'crash'; END $$",
        "CREATE TRIGGER crash BEFORE UPDATE ON agent_messages FOR EACH ROW "
        "WHEN (new.message_id = '{id}' AND new.delivery_status = 'claimed') "
        "EXECUTE FUNCTION crash()",
    ],
}


async def test_a_batch_claim_that_fails_on_its_last_row_leaves_nothing_claimed(bus: Bus) -> None:
    """The claim dies on the last message of its second lane, after taking the first lane
    (PostgreSQL's one-statement claim) or the other five rows (SQLite's transaction)."""
    sent = await send_six(bus)
    db = bus.db.connector
    for statement in CRASH_ON_CLAIM[db.dialect]:
        await db.execute(statement.replace("{id}", sent[-1]))
    with pytest.raises(errors.StorageError, match="crash"):
        await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="crashes")
    assert await statuses(bus) == {message_id: ("pending", None) for message_id in sent}
    await db.execute(
        "DROP TRIGGER crash" + (" ON agent_messages" if db.dialect != "sqlite" else "")
    )
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


async def test_a_delivery_without_coordinates_keeps_those_an_earlier_attempt_recorded(
    bus: Bus,
) -> None:
    """Outcomes without coordinates settle through a statement that leaves the column
    (and its index) alone; a batch where any has them sets them where given."""
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(3)]
    first = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="me")
    seen, moved = {"x": 10, "y": 20}, {"x": 30, "y": 40}
    failed = [Outcome(m, first.token, error="window moved", coordinates=seen) for m in sent]
    assert await bus.db.claims.settle(failed) == ["retrying"] * 3
    again = await bus.db.claims.claim(LANES, limit=100, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in again.messages] == sent
    placed = [Outcome(sent[0], again.token, 1, coordinates=moved), Outcome(sent[1], again.token, 1)]
    assert await bus.db.claims.settle(placed) == ["delivered", "delivered"]
    assert await bus.db.claims.settle([Outcome(sent[2], again.token, 1)]) == ["delivered"]
    stored = {m.message_id: m for m in await bus.db.messages.get_many(sent)}
    assert [stored[m].pyautogui_coordinates for m in sent] == [moved, seen, seen]
    assert {stored[m].delivery_status for m in sent} == {"delivered"}
