"""PostgreSQL: a message sent alone is named in its NOTIFY, and an idle dispatcher takes
it without reading the lanes first, only if it is its lane's ready head
(bus/claiming.py, storage/announcements.py)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from tests.integration.test_wakeup import count_claims

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


async def _notifications(bus: Bus, action: Any) -> list[str]:
    """The payloads a LISTEN connection receives while `action` runs."""
    import asyncpg

    heard: list[str] = []
    conn = await asyncpg.connect(bus.db.connector.url)  # type: ignore[attr-defined]
    try:
        await conn.add_listener("swarmbus_messages", lambda *args: heard.append(args[3]))
        await action()
        with anyio.fail_after(5):
            while not heard:
                await anyio.sleep(0.01)
        await anyio.sleep(0.1)
    finally:
        await conn.close()
    return heard


async def test_a_send_alone_names_its_message_and_a_broadcast_names_none(bus: Bus) -> None:
    sent: list[str] = []

    async def one() -> None:
        sent.append(await bus.send("person", "Agent-2", "hello", priority="high"))

    assert await _notifications(bus, one) == [json.dumps(["Agent-2", 1, sent[0]])]

    async def several() -> None:
        await bus.broadcast("person", "to all")

    assert await _notifications(bus, several) == [""]


async def test_an_announced_message_behind_an_older_one_waits_its_turn(
    swarm: Swarm, bus: Bus
) -> None:
    """An older message no NOTIFY named (stored by another writer) heads the lane: the
    claim of the named one refuses it, and the full claim after it takes both, in order."""
    transport = MemoryTransport(idempotent=True)
    calls = await count_claims(bus)
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(idle_poll=60))
    async with await Bus.open(swarm) as sender, anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await anyio.sleep(0.5)  # its first claims, then idle
        older = await sender.send("person", "Agent-1", "older")
        await anyio.sleep(0.3)  # delivered: claims follow the NOTIFY
        before = len(calls)
        await sender.db.connector.execute(  # quietly put it back, as if never delivered
            "UPDATE agent_messages SET delivery_status = 'pending', status = 'pending', "
            "processed_at = NULL WHERE message_id = :id",
            {"id": older},
        )
        newer = await sender.send("person", "Agent-1", "newer")
        with anyio.fail_after(10):
            while len(transport.delivered) < 3:
                await anyio.sleep(0.005)
        dispatcher.stop()
    assert [m.message_id for m in transport.delivered] == [older, older, newer]
    assert calls[before:][:2] == ["claim_announced", "claim"]
