"""Leases that follow the work, attempt marks, and the database's clock (both backends)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import anyio
import pytest

from swarmbus.agents import config as swarm_config
from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.batching import GroupCommit
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.transports.base import DeliveryRequest, DeliveryResult
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.storage.claims import Outcome
from tests.conftest import BACKENDS
from tests.processes import worker

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

AGENTS = ["Agent-1", "Agent-2", "Agent-3", "Agent-4"]


async def run_until_delivered(
    bus: Bus, dispatchers: list[Dispatcher], count: int, timeout: float = 30
) -> list[DispatchStats]:
    """Run dispatchers side by side until `count` messages are delivered, then stop them."""
    results: list[DispatchStats] = []

    async def one(dispatcher: Dispatcher) -> None:
        results.append(await dispatcher.run())

    with anyio.fail_after(timeout):
        async with anyio.create_task_group() as tg:
            for dispatcher in dispatchers:
                tg.start_soon(one, dispatcher)
            while len(await bus.db.messages.list(status="delivered", limit=1000)) < count:
                await anyio.sleep(0.05)
            for dispatcher in dispatchers:
                dispatcher.stop()
    return results


async def test_a_lane_waiting_for_its_slot_keeps_its_lease(
    make_swarm: Callable[..., Swarm],
) -> None:
    """The reported reproduction: one slot, 0.6 s per delivery, a 1 s lease, two dispatchers.

    Before, the three lanes queued behind the first lost their leases while they
    waited, and the second dispatcher delivered them again.
    """
    swarm = make_swarm(AGENTS, bus={"lease_seconds": 1})
    async with await Bus.open(swarm) as bus, await Bus.open(swarm) as other:
        sent = [await bus.send("p", agent, f"to {agent}") for agent in AGENTS]
        first = MemoryTransport(concurrency=1, delay=0.6)
        second = MemoryTransport(concurrency=1, delay=0.6)
        dispatchers = [
            Dispatcher(bus, {"memory": first}, DispatcherOptions(name="A", monitor=False)),
            Dispatcher(other, {"memory": second}, DispatcherOptions(name="B", monitor=False)),
        ]
        await run_until_delivered(bus, dispatchers, len(sent))
        delivered = Counter(m.message_id for m in first.delivered + second.delivered)
    assert delivered == Counter(sent)  # each exactly once


@pytest.mark.parametrize("idempotent", [False, True])
async def test_a_lane_whose_lease_was_lost_stops_before_delivering(
    make_swarm: Callable[..., Swarm], idempotent: bool
) -> None:
    """Another dispatcher took the rest of the lane over: the renewal (or, for a
    transport that cannot repeat, the attempt mark) finds it gone, and the lane
    delivers nothing more of it."""
    swarm = make_swarm(["Agent-1"], bus={"lease_seconds": 0.6})
    async with await Bus.open(swarm) as bus:
        sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(3)]
        transport = MemoryTransport(concurrency=1, delay=0.6, idempotent=idempotent)
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(monitor=False))
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(dispatcher.run)
                while not transport.attempts:
                    await anyio.sleep(0.01)
                await steal(bus, sent[1:])
                await anyio.sleep(1.5)  # the lane would have delivered m1 and m2 by now
                dispatcher.stop()
    assert [m.content for m in transport.delivered] == ["m0"]
    assert dispatcher.stats.lost_claims >= 1


async def steal(bus: Bus, message_ids: list[str]) -> None:
    """What another dispatcher's claim after an expired lease does: a new token."""
    claimed = await bus.db.connector.fetch_all(
        "SELECT message_id, claim_token FROM agent_messages WHERE delivery_status = 'claimed'"
    )
    assert {row["message_id"] for row in claimed} >= set(message_ids)
    async with bus.db.connector.transaction() as tx:
        for message_id in message_ids:
            await tx.execute(
                "UPDATE agent_messages SET claim_token = 'thief', lease_expires_at = :until "
                "WHERE message_id = :id",
                {"id": message_id, "until": "2999-01-01T00:00:00.000Z"},
            )


async def test_a_cut_off_attempt_is_resent_as_uncertain(bus: Bus) -> None:
    """A crash between delivery and record leaves the attempt mark: the next claim sees it."""
    message_id = await bus.send("p", "Agent-1", "maybe twice")
    crashed = await bus.db.claims.claim(
        {("Agent-1", 2): 10}, limit=10, lease_seconds=0.2, claimed_by="crashed"
    )
    assert await bus.db.leases.begin_attempt(message_id, crashed.token, "crashed", 0.2)
    marked = await bus.get(message_id)
    assert marked.attempt_started_at is not None
    assert marked.attempt_by == "crashed"
    transport = MemoryTransport()
    seen: list[object] = []
    original = transport.deliver

    async def record(request):  # type: ignore[no-untyped-def]
        seen.append(request.uncertain_since)
        return await original(request)

    transport.deliver = record  # type: ignore[method-assign]
    await anyio.sleep(0.3)
    with anyio.fail_after(30):
        await Dispatcher(bus, {"memory": transport}).run(once=True)
    assert seen == [marked.attempt_started_at]
    delivered = await bus.get(message_id)
    assert delivered.delivery_status == "delivered"
    assert delivered.attempt_started_at is None  # recording the outcome clears the mark


async def test_hold_dead_letters_an_uncertain_message_and_retry_clears_the_mark(
    make_swarm: Callable[..., Swarm],
) -> None:
    swarm = make_swarm(["Agent-1"])
    with swarm.path.open("a", encoding="utf-8") as config:
        config.write('on_uncertain = "hold"\n')  # into the last table: Agent-1's
    swarm = swarm_config.load(swarm.path, {})
    assert swarm.agents["Agent-1"].on_uncertain == "hold"
    async with await Bus.open(swarm) as bus:
        message_id = await bus.send("p", "Agent-1", "hold me")
        crashed = await bus.db.claims.claim(
            {("Agent-1", 2): 10}, limit=10, lease_seconds=0.2, claimed_by="crashed"
        )
        assert await bus.db.leases.begin_attempt(message_id, crashed.token, "crashed", 0.2)
        await anyio.sleep(0.3)
        transport = MemoryTransport()
        with anyio.fail_after(30):
            stats = await Dispatcher(bus, {"memory": transport}).run(once=True)
        held = await bus.get(message_id)
        assert transport.delivered == []
        assert held.delivery_status == "failed"
        assert "was interrupted at" in (held.last_error or "")
        assert "may have been delivered" in (held.last_error or "")
        assert stats.dead_lettered == 1
        await bus.retry(message_id)
        assert (await bus.get(message_id)).attempt_started_at is None
        with anyio.fail_after(30):
            await Dispatcher(bus, {"memory": transport}).run(once=True)
        assert transport.received("Agent-1") == ["hold me"]


async def test_a_late_outcome_of_a_lost_claim_changes_nothing(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "x")
    old = await bus.db.claims.claim(
        {("Agent-1", 2): 1}, limit=1, lease_seconds=0.1, claimed_by="old"
    )
    await anyio.sleep(0.2)
    new = await bus.db.claims.claim(
        {("Agent-1", 2): 1}, limit=1, lease_seconds=30, claimed_by="new"
    )
    assert [m.message_id for m in new.messages] == [message_id]
    assert new.reclaimed == {message_id}
    assert not await bus.db.leases.begin_attempt(message_id, old.token, "old", 30)
    assert await bus.db.leases.renew([(message_id, old.token)], 30) == set()
    assert await bus.db.leases.renew([(message_id, new.token)], 30) == {message_id}
    assert await bus.db.claims.settle([Outcome(message_id, old.token)]) == ["lost"]


async def test_a_host_with_a_fast_clock_steals_no_live_lease(
    make_swarm: Callable[..., Swarm],
) -> None:
    """A dispatcher whose clock runs 60 s fast (another process) must judge leases by
    the database's clock: it leaves the messages another dispatcher holds alone."""
    swarm = make_swarm(["Agent-1"], bus={"lease_seconds": 5})
    async with await Bus.open(swarm) as bus:
        sent = [await bus.send("p", "Agent-1", f"m{n}") for n in range(5)]
        transport = MemoryTransport(concurrency=1, delay=0.5)
        dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(monitor=False))
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                tg.start_soon(dispatcher.run)
                while not transport.attempts:
                    await anyio.sleep(0.01)
                skewed = worker("dispatch-skewed", str(swarm.path), "60", "1.5")
                out, err = await anyio.to_thread.run_sync(skewed.communicate)
                assert skewed.returncode == 0, err
                while len(transport.delivered) < len(sent):
                    await anyio.sleep(0.05)
                dispatcher.stop()
    assert json.loads(out.strip().splitlines()[-1])["delivered"] == []
    assert [m.message_id for m in transport.delivered] == sent


async def test_a_message_sent_from_a_fast_clock_is_ready_at_once(
    make_swarm: Callable[..., Swarm],
) -> None:
    """Send and ready times come from the database's clock, not the sender's."""
    swarm = make_swarm(["Agent-1"])
    skewed = worker("send-skewed", str(swarm.path), "60", "Agent-1", "from the future")
    out, err = await anyio.to_thread.run_sync(skewed.communicate)
    assert skewed.returncode == 0, err
    async with await Bus.open(swarm) as bus:
        transport = MemoryTransport()
        with anyio.fail_after(10):  # not 60 s
            await Dispatcher(bus, {"memory": transport}).run(once=True)
        message = await bus.get(out.strip())
    assert transport.received("Agent-1") == ["from the future"]
    assert message.sent_at <= message.processed_at  # type: ignore[operator]


class ShieldedPaste(MemoryTransport):
    """Like the GUI: a started delivery finishes even if its lane is cancelled."""

    async def deliver(self, request: DeliveryRequest) -> DeliveryResult:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(0.8 if request.message.to_agent == "Agent-2" else 1.0)
            return await super().deliver(request)


async def test_a_success_waiting_behind_another_commit_is_recorded_on_shutdown(
    bus: Bus,
) -> None:
    """The stop grace runs out while one lane's paste is done and its outcome waits
    for another lane's commit: the outcome is still recorded before the dispatcher
    exits, or the next run would paste it again."""
    first = await bus.send("p", "Agent-1", "pasted as the grace ran out")
    second = await bus.send("p", "Agent-2", "pasted a little earlier")
    transport = ShieldedPaste(concurrency=2)
    dispatcher = Dispatcher(
        bus, {"memory": transport}, DispatcherOptions(stop_grace=0.1, monitor=False)
    )
    real_settle = bus.db.claims.settle

    async def slow_settle(outcomes: list[Outcome]) -> list[str]:
        await anyio.sleep(0.5)  # another writer holds the database a while
        return await real_settle(outcomes)

    dispatcher.ctx.settle = GroupCommit(slow_settle)
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(dispatcher.run)
            await anyio.sleep(0.9)  # Agent-2's commit is under way, Agent-1 still pasting
            dispatcher.stop()
    assert transport.received("Agent-1") == ["pasted as the grace ran out"]
    for message_id in (first, second):
        message = await bus.get(message_id)
        assert message.delivery_status == "delivered"
        assert message.attempt_started_at is None
