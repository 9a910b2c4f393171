"""Delivery semantics through the real dispatcher and a real database."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.health import DispatchStats
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.model import timefmt
from swarmbus.model.messages import Message
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def drain(bus: Bus, transport: MemoryTransport, **options: object) -> DispatchStats:
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(**options))
    with anyio.fail_after(30):
        return await dispatcher.run(once=True)


async def test_everything_sent_is_delivered_once(bus: Bus) -> None:
    sent = [await bus.send("p", f"Agent-{1 + n % 3}", f"m{n}") for n in range(60)]
    transport = MemoryTransport()
    stats = await drain(bus, transport)
    assert sorted(m.message_id for m in transport.delivered) == sorted(sent)
    assert stats.delivered == 60
    for message_id in sent:
        message = await bus.get(message_id)
        assert message.delivery_status == "delivered"
        assert message.status == "delivered"
        assert message.delivery_time_ms is not None
        assert message.claim_token is None
        assert message.lease_expires_at is None


@pytest.mark.parametrize("idempotent", [True, False])
async def test_only_repeatable_deliveries_are_settled_without_waiting_for_the_disk(
    bus: Bus, monkeypatch: pytest.MonkeyPatch, idempotent: bool
) -> None:
    """An idempotent transport's records may be lost with the server (the message comes
    again and repeats nothing); a GUI-like transport's must not."""
    from swarmbus.storage.claims import ClaimRepository, Outcome

    durable: list[bool] = []
    settle = ClaimRepository.settle

    async def noted(self: ClaimRepository, outcomes: list[Outcome]) -> list[str]:
        durable.extend(outcome.durable for outcome in outcomes)
        return await settle(self, outcomes)

    monkeypatch.setattr(ClaimRepository, "settle", noted)
    for n in range(4):
        await bus.send("p", f"Agent-{1 + n % 2}", f"m{n}")
    stats = await drain(bus, MemoryTransport(idempotent=idempotent))
    assert stats.delivered == 4
    assert durable == [not idempotent] * 4


async def test_fifo_per_recipient_within_a_priority(bus: Bus) -> None:
    sent = {agent: [] for agent in ("Agent-1", "Agent-2")}

    async def producer(agent: str) -> None:
        for n in range(40):
            sent[agent].append(await bus.send("p", agent, f"{agent} {n}"))

    async with anyio.create_task_group() as tg:
        for agent in sent:
            tg.start_soon(producer, agent)
    transport = MemoryTransport(delay=0.001, batch_size=7)  # several claims per lane
    await drain(bus, transport)
    for agent, ids in sent.items():
        assert [m.message_id for m in transport.delivered if m.to_agent == agent] == ids
        assert transport.received(agent) == [f"{agent} {n}" for n in range(40)]


async def test_higher_priority_overtakes(bus: Bus) -> None:
    for n in range(5):
        await bus.send("p", "Agent-1", f"normal {n}")
    await bus.send("p", "Agent-1", "low", priority="low")
    await bus.send("p", "Agent-1", "urgent", priority="urgent")
    await bus.send("p", "Agent-1", "high", priority="high")
    transport = MemoryTransport(concurrency=1)
    await drain(bus, transport)
    assert transport.received("Agent-1") == [
        "urgent",
        "high",
        *(f"normal {n}" for n in range(5)),
        "low",
    ]


async def test_failures_back_off_then_dead_letter_with_the_last_error(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "doomed")
    transport = MemoryTransport(fail=lambda m, attempt: f"window closed (attempt {attempt + 1})")
    stats = await drain(bus, transport)
    message = await bus.get(message_id)
    assert message.delivery_status == "failed"
    assert message.status == "failed"
    assert message.retry_count == 4  # the first attempt and max_retries=3 retries
    assert message.last_error == "window closed (attempt 4)"
    assert message.processed_at is not None
    assert transport.attempts[message_id] == 4
    assert stats.dead_lettered == 1
    assert stats.failed_attempts == 4


async def test_retries_wait_for_their_backoff(make_swarm: Callable[..., Swarm]) -> None:
    swarm = make_swarm(
        bus={
            "backoff_base_seconds": 0.2,
            "backoff_max_seconds": 5,
            "backoff_jitter": 0.0,
            "max_retries": 2,
        }
    )
    async with await Bus.open(swarm) as bus:
        await bus.send("p", "Agent-1", "flaky")
        times: list[float] = []

        def fail(message: Message, attempt: int) -> str | None:
            times.append(anyio.current_time())
            return "busy" if attempt < 2 else None

        await drain(bus, MemoryTransport(fail=fail))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 3
    assert 0.19 <= gaps[0] < 0.6  # 0.2 s
    assert 0.39 <= gaps[1] < 1.0  # 0.4 s: doubled


async def test_a_failing_head_blocks_its_lane_until_dead_lettered(bus: Bus) -> None:
    first = await bus.send("p", "Agent-1", "bad")
    await bus.send("p", "Agent-1", "good 1")
    await bus.send("p", "Agent-1", "good 2")
    await bus.send("p", "Agent-2", "other lane")
    transport = MemoryTransport(fail=lambda m, attempt: "nope" if m.content == "bad" else None)
    await drain(bus, transport)
    assert transport.received("Agent-1") == ["good 1", "good 2"]
    assert transport.received("Agent-2") == ["other lane"]
    # the good ones were only tried after the bad one was dead-lettered
    bad = await bus.get(first)
    good = (await bus.db.messages.list(agent="Agent-1", status="delivered"))[-1]
    assert good.processed_at is not None
    assert bad.processed_at is not None
    assert good.processed_at >= bad.processed_at


async def test_requeue_gives_a_dead_letter_fresh_attempts(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "second chance")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    assert (await bus.get(message_id)).delivery_status == "failed"
    requeued = await bus.retry(message_id)
    assert requeued.delivery_status == "pending"
    assert requeued.retry_count == 0
    assert requeued.last_error == "down"  # history is kept until it is delivered
    transport = MemoryTransport()
    await drain(bus, transport)
    assert transport.received("Agent-1") == ["second chance"]
    assert (await bus.get(message_id)).delivery_status == "delivered"


async def test_retry_all_failed(bus: Bus) -> None:
    for n in range(3):
        await bus.send("p", f"Agent-{n + 1}", "x")
    await drain(bus, MemoryTransport(fail=lambda m, a: "down"))
    assert len(await bus.retry_all_failed("Agent-2")) == 1
    assert len(await bus.retry_all_failed()) == 2


async def test_expired_messages_are_not_delivered(bus: Bus) -> None:
    stale = await bus.send("p", "Agent-1", "too late", expires_in=0.05)
    fresh = await bus.send("p", "Agent-1", "in time", expires_in=60)
    await anyio.sleep(0.1)
    transport = MemoryTransport()
    stats = await drain(bus, transport)
    assert transport.received("Agent-1") == ["in time"]
    assert (await bus.get(stale)).delivery_status == "expired"
    assert (await bus.get(stale)).status == "expired"
    assert (await bus.get(fresh)).delivery_status == "delivered"
    assert stats.expired == 1


async def test_a_crashed_dispatchers_lease_is_reclaimed(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "survivor")
    crashed = await bus.db.claims.claim(
        {("Agent-1", 2): 10}, limit=10, lease_seconds=0.3, claimed_by="crashed@host"
    )
    assert [m.message_id for m in crashed.messages] == [message_id]
    # while the lease lives nobody else may take it
    assert not (
        await bus.db.claims.claim(
            {("Agent-1", 2): 10}, limit=10, lease_seconds=5, claimed_by="other"
        )
    ).messages
    transport = MemoryTransport()
    stats = await drain(bus, transport)
    assert transport.received("Agent-1") == ["survivor"]
    assert stats.redeliveries == 1
    # the crashed dispatcher coming back late cannot overwrite the outcome
    late = await bus.db.claims.settle(
        [
            __import__("swarmbus.storage.claims", fromlist=["Outcome"]).Outcome(
                message_id, crashed.token, error="late failure"
            )
        ]
    )
    assert late == ["lost"]
    assert (await bus.get(message_id)).delivery_status == "delivered"


async def test_pausing_hands_messages_back_without_counting_an_attempt(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "wait for me")
    transport = MemoryTransport(pause=lambda m: "fail-safe triggered")
    dispatcher = Dispatcher(bus, {"memory": transport})
    with anyio.fail_after(10):
        await dispatcher.run(once=True)  # nothing is deliverable once paused
    message = await bus.get(message_id)
    assert message.delivery_status == "pending"
    assert message.retry_count == 0
    assert transport.unavailable == "fail-safe triggered"
    assert dispatcher.ctx.transport_states()["memory"] == "unavailable: fail-safe triggered"
    transport.unavailable = transport.pause = None  # the person resumed
    await drain(bus, transport)
    assert transport.received("Agent-1") == ["wait for me"]


async def test_an_unavailable_transport_leaves_messages_waiting(bus: Bus) -> None:
    message_id = await bus.send("p", "Agent-1", "later")
    await drain(bus, MemoryTransport(unavailable="no display"))
    assert (await bus.get(message_id)).delivery_status == "pending"


async def test_a_transport_that_comes_back_is_served_without_a_new_message(bus: Bus) -> None:
    await bus.send("p", "Agent-1", "sent while the display was away")
    transport = MemoryTransport(unavailable="no display")
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(idle_poll=0.05))
    async with anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await anyio.sleep(0.3)  # claimed nothing, idles; nobody writes to the database
        transport.unavailable = None  # the display is back
        with anyio.fail_after(5):
            while not transport.received("Agent-1"):
                await anyio.sleep(0.02)
        dispatcher.stop()
    assert transport.received("Agent-1") == ["sent while the display was away"]


async def test_stop_releases_what_is_not_delivered(bus: Bus) -> None:
    for n in range(20):
        await bus.send("p", "Agent-1", f"m{n}")
    transport = MemoryTransport(delay=0.05, concurrency=1)
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(stop_grace=5))

    async def stop_soon() -> None:
        await anyio.sleep(0.2)
        dispatcher.stop()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(stop_soon)
            await dispatcher.run()
    depth = await bus.db.messages.queue_depth()
    assert 0 < len(transport.delivered) < 20
    assert depth.get("claimed", 0) == 0
    assert depth["pending"] == 20 - len(transport.delivered)
    system = await bus.db.systems.get(dispatcher.name)
    assert system is not None
    assert system.system_status == "inactive"


async def test_heartbeat_reports_metrics(bus: Bus) -> None:
    for n in range(5):
        await bus.send("p", "Agent-1", f"m{n}")
    dispatcher = Dispatcher(bus, {"memory": MemoryTransport()}, DispatcherOptions(name="d1"))
    with anyio.fail_after(10):
        await dispatcher.run(once=True)
    row = await bus.db.systems.get("d1")
    assert row is not None
    assert row.system_name == "messaging"
    assert row.performance_metrics["delivered"] == 5
    assert row.performance_metrics["median_delivery_ms"] is not None
    assert row.system_configuration["max_retries"] == 3
    assert row.integration_dependencies == ["database", "transport:memory"]
    assert row.health_score == 100.0
    assert not row.is_stale()
    assert (
        row.is_stale(timefmt.utcnow() + timedelta(seconds=60)) is False
    )  # inactive rows never go stale


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_transport_concurrency_is_respected(bus: Bus, concurrency: int) -> None:
    running = 0
    peak = 0

    class Counting(MemoryTransport):
        async def deliver(self, request):  # type: ignore[no-untyped-def]
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            try:
                return await super().deliver(request)
            finally:
                running -= 1

    for n in range(30):
        await bus.send("p", f"Agent-{1 + n % 3}", f"m{n}", priority=("high", "normal")[n % 2])
    await drain(bus, Counting(delay=0.01, concurrency=concurrency))
    assert peak <= concurrency
    if concurrency > 1:
        assert peak > 1


async def test_each_host_claims_only_its_own_agents(make_swarm: Callable[..., Swarm]) -> None:
    extra = (
        '[[agents]]\nname = "Remote-GUI"\ntransport = "gui"\nx = 10\ny = 10\nhost = "laptop"\n'
        '[[agents]]\nname = "Local-GUI"\ntransport = "gui"\nx = 10\ny = 10\n'
        '[[agents]]\nname = "Remote-Inbox"\ntransport = "inbox"\nhost = "laptop"\n'
    )
    swarm = make_swarm(["Shared-Inbox"], transport="inbox")
    swarm.path.write_text(swarm.path.read_text() + extra)
    from swarmbus.agents import config

    swarm = config.load(swarm.path, {})
    async with await Bus.open(swarm) as bus:
        here = Dispatcher(bus, {"gui": MemoryTransport(), "inbox": MemoryTransport()})
        served = {agent for agent, _rank in here.ctx.claimable_lanes()}
        assert served == {"Shared-Inbox", "Local-GUI"}
        laptop = Dispatcher(bus, {"gui": MemoryTransport(), "inbox": MemoryTransport()})
        laptop.ctx.host = "laptop"
        served = {agent for agent, _rank in laptop.ctx.claimable_lanes()}
        # a GUI agent without `host` belongs to whichever machine reads the config
        assert served == {"Shared-Inbox", "Remote-GUI", "Remote-Inbox", "Local-GUI"}
