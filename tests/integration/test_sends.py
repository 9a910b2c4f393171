"""PostgreSQL's one-statement send keeps ids increasing in commit order."""

from __future__ import annotations

import anyio
import pytest

from swarmbus.bus.api import Bus
from swarmbus.model import ids, timefmt
from swarmbus.storage import queries as sql

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


async def test_a_send_waiting_for_the_id_lock_goes_above_the_id_committed_meanwhile(
    bus: Bus,
) -> None:
    """Another sender holds the lock and commits an id from a clock a minute ahead: the
    waiting send must read that id after the lock (not from its statement's older
    snapshot), find its own first id below it, and store above it."""
    ahead = (int(timefmt.utcnow().timestamp() * 1000) + 60_000) << 80
    future_id = ids.encode(ahead)
    sent: list[str] = []

    async def send() -> None:
        sent.append(await bus.send("p", "Agent-1", "after the lock"))

    async with anyio.create_task_group() as tg, bus.db.connector.transaction() as tx:
        await tx.fetch_one(sql.load("postgres")["newest_message_id"])  # takes the id lock
        await tx.execute(
            "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, "
            "content, delivery_method, thread_id) VALUES (:id, 'p', 'Agent-1', 'normal', "
            "'from the clock ahead', 'memory', :id)",
            {"id": future_id},
        )
        tg.start_soon(send)
        await anyio.sleep(0.3)  # the send is waiting for the lock now
        assert sent == []
    assert sent[0] > future_id
    messages = await bus.db.messages.list(agent="Agent-1")
    assert [m.content for m in sorted(messages, key=lambda m: m.message_id)] == [
        "from the clock ahead",
        "after the lock",
    ]


async def test_a_send_with_an_idempotency_key_takes_the_transaction_path(bus: Bus) -> None:
    first = await bus.send("p", "Agent-1", "once", idempotency_key="k")
    assert await bus.send("p", "Agent-1", "once", idempotency_key="k") == first
    assert len(await bus.db.messages.list(agent="Agent-1")) == 1


class _Descending:
    """`secrets` for `ids` whose random bits fall with every draw."""

    def __init__(self) -> None:
        self.bits = 1 << 70

    def randbits(self, _bits: int) -> int:
        self.bits //= 2
        return self.bits

    def token_bytes(self, count: int) -> bytes:
        return bytes(count)


async def test_sends_within_one_millisecond_store_on_the_first_round_trip(
    bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids drawn in the same millisecond come in random order: drawn below the last one,
    a send stored nothing and went again. The repository draws above the newest id it
    stored (here the clock stands still and each draw is lower than the one before)."""
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_800_000_000_000_000_000)
    monkeypatch.setattr(ids, "secrets", _Descending())
    tries: list[str | None] = []
    draw = ids.new_ids

    def counted(count: int, *, after: str | None = None) -> list[str]:
        tries.append(after)
        return draw(count, after=after)

    monkeypatch.setattr(ids, "new_ids", counted)
    sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(3)]
    assert len(tries) == 3  # one statement each
    assert sent == sorted(sent)
    assert tries[1:] == sent[:2]
