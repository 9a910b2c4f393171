"""PostgreSQL's claim: an unlocked read, then each lane's run taken in one statement
(`swarmbus_claim_runs`, migration 0008) only if the lane did not change in between."""

from __future__ import annotations

import json
from typing import Any

import pytest

from swarmbus.bus.api import Bus
from swarmbus.storage import claims

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

LANES = {("Agent-1", 2): 10}


async def claim_runs(bus: Bus, run: list[str], token: str = "t") -> list[str]:
    """The statement itself, for one run of Agent-1's normal lane; the ids it took."""
    rows = await bus.db.connector.fetch_all(
        "SELECT message_id FROM swarmbus_claim_runs(:runs::jsonb, 30, :token, 'me')",
        {"runs": json.dumps([["Agent-1", 2, run]]), "token": token},
    )
    return [row["message_id"] for row in rows]


async def held(bus: Bus) -> dict[str, str | None]:
    rows = await bus.db.connector.fetch_all(
        "SELECT message_id, claim_token FROM agent_messages ORDER BY message_id"
    )
    return {row["message_id"]: row["claim_token"] for row in rows}


async def test_a_claim_that_finds_nothing_ready_locks_and_writes_no_row(bus: Bus) -> None:
    """Locking a row writes it (its xmax), and the commit then waits for the disk: the
    read that decides whether anything is ready must not lock."""
    sent = await bus.send("p", "Agent-1", "m")
    first = await bus.db.claims.claim(LANES, limit=10, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in first.messages] == [sent]
    before = await xmax(bus, sent)
    for _ in range(3):
        again = await bus.db.claims.claim(LANES, limit=10, lease_seconds=30, claimed_by="me")
        assert again.messages == []
        assert again.next_due_in is not None  # the lease's end
    assert await xmax(bus, sent) == before


async def xmax(bus: Bus, message_id: str) -> str:
    row = await bus.db.connector.fetch_one(
        "SELECT xmax::text AS xmax FROM agent_messages WHERE message_id = :id",
        {"id": message_id},
    )
    assert row is not None
    return str(row["xmax"])


async def test_a_run_behind_the_lanes_head_is_not_taken(bus: Bus) -> None:
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(3)]
    assert await claim_runs(bus, sent[1:]) == []  # the first is still in play before them
    assert await claim_runs(bus, [sent[0], sent[2]]) == []  # not the lane's first rows
    assert set((await held(bus)).values()) == {None}
    assert await claim_runs(bus, sent[:2]) == sent[:2]
    assert list((await held(bus)).values()) == ["t", "t", None]


async def test_a_run_another_claim_is_taking_is_left_alone(bus: Bus) -> None:
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(2)]
    async with bus.db.connector.transaction() as other:  # a claim in progress elsewhere
        await other.fetch_all(
            "SELECT 1 FROM agent_messages WHERE message_id = :id FOR UPDATE", {"id": sent[0]}
        )
        assert await claim_runs(bus, sent) == []
    assert await claim_runs(bus, sent) == sent


async def test_one_claim_takes_the_ready_lanes_and_leaves_the_others(bus: Bus) -> None:
    """All runs are checked in one statement (migration 0016): a lane whose head another
    claim holds, a run that skips a row and a run given under the wrong lane are left,
    the rest taken."""
    one = [await bus.send("p", "Agent-1", f"a{n}") for n in range(2)]
    two = [await bus.send("p", "Agent-2", f"b{n}") for n in range(3)]
    three = [await bus.send("p", "Agent-3", f"c{n}") for n in range(2)]
    runs = [
        ["Agent-1", 2, one[1:]],  # its head is held by the claim in progress below
        ["Agent-2", 2, two[:2]],  # the lane's first two: taken
        ["Agent-3", 2, [three[0], three[1]]],
        ["Agent-1", 1, one[:1]],  # the right ids under another priority's lane
    ]
    async with bus.db.connector.transaction() as other:
        await other.fetch_all(
            "SELECT 1 FROM agent_messages WHERE message_id = :id FOR UPDATE", {"id": one[0]}
        )
        rows = await bus.db.connector.fetch_all(
            "SELECT message_id FROM swarmbus_claim_runs(:runs::jsonb, 30, 't', 'me')",
            {"runs": json.dumps(runs)},
        )
    assert sorted(row["message_id"] for row in rows) == sorted(two[:2] + three)
    claimed = {k for k, token in (await held(bus)).items() if token == "t"}
    assert claimed == set(two[:2] + three)


async def test_a_run_no_longer_due_is_left_alone(bus: Bus) -> None:
    """Read as ready, then claimed by another dispatcher before this claim ran."""
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(2)]
    assert await claim_runs(bus, sent, token="first") == sent
    assert await claim_runs(bus, sent, token="second") == []
    assert set((await held(bus)).values()) == {"first"}


async def test_a_lane_taken_between_the_read_and_the_claim_is_left_for_the_next_claim(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim takes the other lanes, and says there is more, so the loop comes back."""
    sent = [await bus.send("p", f"Agent-{n}", f"m{n}") for n in (1, 2)]
    read = claims._ready

    async def then_taken(*args: Any) -> Any:
        ready = await read(*args)
        assert await claim_runs(bus, [sent[0]], token="thief") == [sent[0]]
        return ready

    monkeypatch.setattr(claims, "_ready", then_taken)
    both = {("Agent-1", 2): 10, ("Agent-2", 2): 10}
    claim = await bus.db.claims.claim(both, limit=10, lease_seconds=30, claimed_by="me")
    assert [m.message_id for m in claim.messages] == [sent[1]]
    assert claim.more
    assert await held(bus) == {sent[0]: "thief", sent[1]: claim.token}


@pytest.mark.parametrize("durable", [True, False])
async def test_a_settle_that_may_repeat_commits_without_waiting_only_for_itself(
    bus: Bus, durable: bool
) -> None:
    """`synchronous_commit` is off for the settle's own transaction, and only when asked."""
    import asyncpg

    sent = await bus.send("p", "Agent-1", "m")
    claim = await bus.db.claims.claim(LANES, limit=10, lease_seconds=30, claimed_by="me")
    outcome = json.dumps([{"id": sent, "token": claim.token, "ms": 1}])
    conn = await asyncpg.connect(bus.db.connector.url)
    try:
        setting = "SELECT current_setting('synchronous_commit')"
        async with conn.transaction():
            assert await conn.fetchval(setting) == "on"
            recorded = await conn.fetch(
                "SELECT swarmbus_mark_delivered($1::jsonb, $2)", outcome, durable
            )
            assert [row[0] for row in recorded] == [sent]
            assert await conn.fetchval(setting) == ("on" if durable else "off")
        assert await conn.fetchval(setting) == "on"  # its next transaction waits again
    finally:
        await conn.close()
    assert (await bus.get(sent)).delivery_status == "delivered"


async def test_a_claim_commits_without_waiting_and_leaves_the_setting_as_it_was(
    bus: Bus,
) -> None:
    import asyncpg

    sent = await bus.send("p", "Agent-1", "m")
    conn = await asyncpg.connect(bus.db.connector.url)
    try:
        setting = "SELECT current_setting('synchronous_commit')"
        async with conn.transaction():
            runs = json.dumps([["Agent-1", 2, [sent]]])
            taken = await conn.fetch(
                "SELECT message_id FROM swarmbus_claim_runs($1::jsonb, 30, 't', 'me')", runs
            )
            assert [row[0] for row in taken] == [sent]
            assert await conn.fetchval(setting) == "off"
        assert await conn.fetchval(setting) == "on"
    finally:
        await conn.close()
    assert (await held(bus)) == {sent: "t"}
