"""What a dispatcher keeps of what its wake-ups say: PostgreSQL's NOTIFY payloads, and
SQLite's datagrams."""

from __future__ import annotations

import json
from pathlib import Path

import anyio

from swarmbus.storage import sqlite_wakeup
from swarmbus.storage.announcements import MOST, Announcements


def test_announcements_keep_named_messages_and_ignore_the_rest() -> None:
    heard = Announcements()
    for payload in ('["Agent-1", 2, "01A"]', "", "not json", '["Agent-1", "2", "01B"]', "[1]"):
        heard.hear(payload)
    assert heard.take() == (1, [("Agent-1", 2, "01A")])
    assert heard.take() == (0, [])
    for n in range(MOST + 1):
        heard.hear(json.dumps(["Agent-1", 2, f"{n:03}"]))
    count, named = heard.take()
    assert (count, len(named)) == (MOST + 1, MOST)  # more heard than kept: claim in full


async def test_a_wakeup_socket_hears_each_datagram_and_wakes_for_each(tmp_path: Path) -> None:
    """SQLite's datagrams: each is heard and wakes once, so a dispatcher can tell that
    every wake-up named a message; a queue that filled wakes once more, for what a sender
    may have dropped (it named nothing)."""
    location = str(tmp_path / "swarm.db")
    listener = sqlite_wakeup.Listener(location)
    assert listener.open()
    heard, wakes = Announcements(), []
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, lambda: wakes.append(1), heard.hear)
            sqlite_wakeup.notify(location, payload=sqlite_wakeup.datagram(("Agent-1", 2, "01A")))
            sqlite_wakeup.notify(location)
            with anyio.fail_after(5):
                while len(wakes) < 2:
                    await anyio.sleep(0.005)
            assert heard.take() == (1, [("Agent-1", 2, "01A")])
            assert len(wakes) == 2
            del wakes[:]
            for n in range(sqlite_wakeup.QUEUE_LENGTH + 5):  # no turn of the loop between
                sqlite_wakeup.notify(location, payload=sqlite_wakeup.datagram(("A", 0, f"{n}")))
            with anyio.fail_after(5):
                while len(wakes) < sqlite_wakeup.QUEUE_LENGTH + 1:
                    await anyio.sleep(0.005)
            await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
    finally:
        listener.close()
    count, _ = heard.take()
    assert len(wakes) == count + 1  # more wake-ups than named ones: a full claim follows


def test_a_send_to_an_agent_another_dispatcher_claims_neither_wakes_nor_is_kept() -> None:
    heard = Announcements()
    heard.left_to_others = lambda agent: agent == "Agent-2"
    assert heard.hear('["Agent-1", 2, "01A"]')
    assert not heard.hear('["Agent-2", 2, "01B"]')
    assert heard.hear("")  # names nothing: a full claim looks at every lane
    assert heard.take() == (1, [("Agent-1", 2, "01A")])
