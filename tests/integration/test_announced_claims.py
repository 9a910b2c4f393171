"""A message sent alone is named in its wake-up (PostgreSQL's NOTIFY, SQLite's datagram),
and an idle dispatcher takes it without reading the lanes first, only if it is its lane's
ready head (bus/claiming.py, storage/announcements.py)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.storage import sqlite_wakeup
from tests.conftest import BACKENDS
from tests.integration.test_wakeup import count_claims

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def _notifications(bus: Bus, action: Any) -> list[str]:
    """The payloads a listener of the database receives while `action` runs."""
    if bus.db.connector.dialect == "sqlite":
        return await _datagrams(bus, action)
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


async def _datagrams(bus: Bus, action: Any) -> list[str]:
    """The wake-up datagrams a socket of SQLite's database receives while `action` runs."""
    listener = sqlite_wakeup.Listener(bus.db.location)
    assert listener.open()
    heard: list[str] = []
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, lambda: None, heard.append)
            await action()
            with anyio.fail_after(5):
                while not heard:
                    await anyio.sleep(0.01)
            await anyio.sleep(0.1)
            tg.cancel_scope.cancel()
    finally:
        listener.close()
    return heard


async def test_a_send_alone_names_its_message_and_a_broadcast_names_none(bus: Bus) -> None:
    sent: list[str] = []

    async def one() -> None:
        sent.append(await bus.send("person", "Agent-2", "hello", priority="high"))

    heard = await _notifications(bus, one)
    assert [json.loads(payload) for payload in heard] == [["Agent-2", 1, sent[0]]]

    async def several() -> None:
        await bus.broadcast("person", "to all")

    unnamed = "" if bus.db.connector.dialect == "postgres" else "!"
    assert await _notifications(bus, several) == [unnamed]


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


async def test_an_announced_run_is_taken_only_as_its_lanes_ready_head(bus: Bus) -> None:
    """`claim_announced` in both dialects: a run is taken whole if its ids are exactly its
    lane's first messages in play and all are due; else the lane is left as it is."""
    first = await bus.send("person", "Agent-1", "first")
    second = await bus.send("person", "Agent-1", "second")
    other = await bus.send("person", "Agent-2", "other lane")
    claims = bus.db.claims
    lease = {"lease_seconds": 30.0, "claimed_by": "test"}
    # the second alone is behind the first; a run naming another lane's message is not its
    assert (await claims.claim_announced({("Agent-1", 2): [second]}, **lease)).messages == []
    assert (await claims.claim_announced({("Agent-1", 2): [other]}, **lease)).messages == []
    taken = await claims.claim_announced(
        {("Agent-1", 2): [first, second], ("Agent-2", 2): [other]}, **lease
    )
    assert [m.message_id for m in taken.messages] == [first, second, other]
    assert {m.claim_token for m in taken.messages} == {taken.token}
    assert taken.lanes == 2
    # held under a live lease now: not taken again
    assert (await claims.claim_announced({("Agent-1", 2): [first]}, **lease)).messages == []
    # a message backing off is not due yet, and the one behind it waits too
    await bus.db.connector.execute(
        "UPDATE agent_messages SET delivery_status = 'retrying', claim_token = NULL, "
        "lease_expires_at = NULL, available_at = '2999-01-01T00:00:00.000Z' "
        "WHERE message_id = :id",
        {"id": first},
    )
    third = await bus.send("person", "Agent-1", "third")
    assert (await claims.claim_announced({("Agent-1", 2): [first]}, **lease)).messages == []
    assert (await claims.claim_announced({("Agent-1", 2): [third]}, **lease)).messages == []
