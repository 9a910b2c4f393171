"""A dispatcher wakes for another process's message without polling the table."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.bus.dispatcher import Dispatcher, DispatcherOptions
from swarmbus.bus.transports.memory import MemoryTransport
from swarmbus.storage import sqlite_wakeup as wakeup
from tests.conftest import BACKENDS

REPO = Path(__file__).parents[2]


async def _deliver_while(bus: Bus, options: DispatcherOptions, action: Callable[[], None]) -> float:
    """Run a dispatcher, do `action` once it idles, return seconds until delivery."""
    transport = MemoryTransport()
    dispatcher = Dispatcher(bus, {"memory": transport}, options)
    async with anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await anyio.sleep(0.3)  # let it claim nothing and go idle
        started = anyio.current_time()
        await anyio.to_thread.run_sync(action)
        with anyio.fail_after(10):
            while not transport.delivered:
                await anyio.sleep(0.005)
        elapsed = anyio.current_time() - started
        dispatcher.stop()
    return elapsed


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_send_from_another_process_wakes_an_idle_dispatcher(swarm: Swarm, bus: Bus) -> None:
    def send_from_cli() -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "swarmbus",
                "--config",
                str(swarm.path),
                "send",
                "Agent-1",
                "wake up",
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )

    # With a 60 s poll interval only the wake-up socket can explain a prompt delivery.
    elapsed = await _deliver_while(bus, DispatcherOptions(idle_poll=60), send_from_cli)
    assert elapsed < 10


async def test_a_writer_that_does_not_notify_is_caught_by_data_version(
    swarm: Swarm, bus: Bus
) -> None:
    def raw_insert() -> None:  # e.g. another tool writing with plain sqlite3
        with sqlite3.connect(bus.db.location) as raw:
            raw.execute(
                "INSERT INTO agent_messages (message_id, from_agent, to_agent, priority, content,"
                " delivery_method) VALUES ('01M8ZZZZZZZZZZZZZZZZZZZZZZ', 'raw', 'Agent-1',"
                " 'normal', 'hi', 'memory')"
            )

    elapsed = await _deliver_while(bus, DispatcherOptions(idle_poll=0.1), raw_insert)
    assert elapsed < 5


def test_notify_reaches_listeners_and_cleans_up_dead_ones(tmp_path: Path) -> None:
    location = str(tmp_path / "x.db")
    listener = wakeup.Listener(location)
    assert listener.open()
    assert listener.path is not None
    stale = listener.path.with_name("99999-dead.sock")
    stale.touch()  # a socket file nobody listens on any more
    assert wakeup.notify(location) == 1
    assert not stale.exists()
    listener.close()
    assert wakeup.notify(location) == 0


def test_a_settled_folder_is_listed_once_until_a_dispatcher_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Senders list the sockets' folder again only when it changed: one listing serves
    many sends, and a dispatcher that binds later is reached by the next send."""
    location = str(tmp_path / "x.db")
    first, second = wakeup.Listener(location), wakeup.Listener(location)
    assert first.open()
    folder = wakeup.channel_dir(location)
    os.utime(folder, (time.time() - 10, time.time() - 10))  # its socket was bound long ago
    listed: list[Any] = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(path) or scandir(path))
    try:
        assert [wakeup.notify(location) for _ in range(3)] == [1, 1, 1]
        assert len(listed) == 1
        assert second.open()  # the folder changes
        assert wakeup.notify(location) == 2
        assert len(listed) == 2
    finally:
        first.close()
        second.close()


def test_a_listing_taken_just_after_a_change_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's time moves in ticks of a coarse clock: a socket bound in the same tick
    as the change a listing saw leaves the time as it was. So a listing taken within
    SETTLED_NS of the change it saw is taken again at the next send."""
    location = str(tmp_path / "x.db")
    first, second = wakeup.Listener(location), wakeup.Listener(location)
    assert first.open()
    folder = wakeup.channel_dir(location)
    changed = os.stat(folder).st_mtime_ns
    assert wakeup.notify(location) == 1
    try:
        assert second.open()
        os.utime(folder, ns=(changed, changed))  # bound in the same tick: the time stays
        assert wakeup.notify(location) == 2
    finally:
        first.close()
        second.close()


async def test_a_writer_skips_its_own_listener_and_wakes_the_others(bus: Bus) -> None:
    """The connector a dispatcher listens on (`woken_in_process`) does not write to its
    own socket, that dispatcher's Bus is woken in process; every other listener still
    gets a datagram, a listener of this process without that flag too."""
    connector = bus.db.connector
    other = wakeup.Listener(bus.db.location)
    woken: list[str] = []
    assert other.open()
    try:
        async with anyio.create_task_group() as tg:
            own = partial(connector.listen, woken_in_process=True)
            tg.start_soon(own, lambda: woken.append("own"))
            tg.start_soon(other.serve, lambda: woken.append("other"))
            with anyio.fail_after(5):
                while connector.own_socket is None:
                    await anyio.sleep(0.01)
            await bus.send("p", "Agent-1", "wake the others")
            with anyio.fail_after(5):
                while "other" not in woken:
                    await anyio.sleep(0.01)
            await anyio.sleep(0.1)
            tg.cancel_scope.cancel()
    finally:
        other.close()
    assert woken == ["other"]
    assert connector.own_socket is None  # the listener closed with its task


async def count_claims(bus: Bus) -> list[str]:
    """Wrap the bus's claims, full and of announced messages: the returned list names
    each claim made, in order."""
    calls: list[str] = []
    for kind in ("claim", "claim_announced"):
        claim = getattr(bus.db.claims, kind)

        async def counted(*args: Any, _claim: Any = claim, _kind: str = kind, **kw: Any) -> Any:
            calls.append(_kind)
            return await _claim(*args, **kw)

        setattr(bus.db.claims, kind, counted)
    return calls


async def _until_idle(calls: list[str], quiet: float = 0.3) -> None:
    """Wait until no claim came for `quiet` seconds: the dispatcher claimed nothing and
    idles, and its listener's first look (PostgreSQL claims once when LISTEN is set up,
    for what was announced before) is done, however slowly a loaded machine got there."""
    with anyio.fail_after(10):
        seen = -1
        while seen != len(calls):
            seen = len(calls)
            await anyio.sleep(quiet)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_lane_that_left_nothing_behind_ends_without_another_claim(
    swarm: Swarm, bus: Bus
) -> None:
    """A claim that took every lane in play whole: once its lane is delivered, looking
    again would find nothing (a round trip per lane run, the dispatcher's empty claim).
    The send named its message (PostgreSQL's NOTIFY, SQLite's datagram), and that one
    claim took it without reading the lanes (bus/claiming.py)."""
    transport = MemoryTransport(idempotent=True)
    calls = await count_claims(bus)
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(idle_poll=60))
    async with await Bus.open(swarm) as sender, anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await _until_idle(calls)
        before = len(calls)
        await sender.send("Agent-2", "Agent-1", "one")  # another connector: a NOTIFY/datagram
        with anyio.fail_after(10):
            while not transport.delivered:
                await anyio.sleep(0.005)
        await anyio.sleep(0.3)
        dispatcher.stop()
    assert calls[before:] == ["claim_announced"]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
async def test_a_message_sent_while_its_lane_delivers_follows_at_once(
    swarm: Swarm, bus: Bus
) -> None:
    """The claim loop, woken by the second send, cannot take a lane still delivering;
    that lane, woken since its claim, claims again when it ends (not after the poll)."""
    transport = MemoryTransport(idempotent=True, delay=0.3)
    dispatcher = Dispatcher(bus, {"memory": transport}, DispatcherOptions(idle_poll=60))
    async with await Bus.open(swarm) as sender, anyio.create_task_group() as tg:
        tg.start_soon(dispatcher.run)
        await anyio.sleep(0.3)
        await sender.send("Agent-2", "Agent-1", "first")
        with anyio.fail_after(10):
            while not transport.attempts:  # the first is being delivered
                await anyio.sleep(0.005)
            await sender.send("Agent-2", "Agent-1", "second")
            while len(transport.delivered) < 2:
                await anyio.sleep(0.005)
        dispatcher.stop()
    assert transport.received("Agent-1") == ["first", "second"]
