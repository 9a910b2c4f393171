"""Bad input and a failing database: each is a one-line tool error, and the server keeps
serving; an inbox that cannot be read is an error, never an empty list, never a hang."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from tests.mcp.conftest import error_text, structured

BAD_CALLS = [
    ("fetch_inbox", {"limit": "many"}, "argument limit = 'many' is not allowed"),
    ("fetch_inbox", {"limit": 0}, "limit 0 is not allowed; use 1 to 10,000"),
    ("fetch_inbox", {"since": "last tuesday"}, "--since 'last tuesday' is not allowed"),
    ("send_message", {"content": "hi"}, "argument 'to' is missing"),
    ("send_message", {"to": "Agent-9", "content": "hi"}, "'Agent-9'"),
    ("send_message", {"to": "Agent-2", "content": "x" * 5000}, "the limit is 4,096 bytes"),
    ("send_message", {"to": "Agent-2", "content": "hi", "priority": "asap"}, "priority 'asap'"),
    ("send_message", {"to": "Agent-2", "content": "   "}, "message is empty"),
    ("send_message", {"to": "Agent-2", "content": 42}, "argument content = 42 is not allowed"),
    ("read_message", {"message_id": "nope"}, "no message has id 'nope'"),
    ("read_message", {"message_id": "01M8H0AZPXSPYBJF2X4Y0PSN49"}, "no message has id"),
    ("read_thread", {"thread_id": "01M8H0AZPXSPYBJF2X4Y0PSN49"}, "no message has id"),
    ("acknowledge", {"message_id": "01M8H0AZPXSPYBJF2X4Y0PSN49"}, "no message has id"),
    ("reply", {"message_id": "zzz", "content": "hi"}, "no message has id 'zzz'"),
    ("search_messages", {"query": ""}, "search"),
    ("search_messages", {"query": "x", "agent": "Agent-9"}, "'Agent-9'"),
    ("report_status", {"status": 3}, "argument status = 3 is not allowed"),
    ("no_such_tool", {}, "no_such_tool"),
]


@pytest.mark.parametrize(("tool", "arguments", "expected"), BAD_CALLS)
async def test_bad_input_is_one_line_and_the_server_goes_on(
    connect: Callable, tool: str, arguments: dict, expected: str
) -> None:
    async with connect("Agent-1") as one:
        assert expected in error_text(await one.call_tool(tool, arguments))
        sent = structured(await one.call_tool("send_message", {"to": "Agent-2", "content": "ok"}))
        assert sent["to_agent"] == "Agent-2"


async def test_an_unknown_agent_is_refused_before_serving(bus: Bus) -> None:
    from swarmbus import errors
    from swarmbus.mcp.server import build_server

    with pytest.raises(errors.UnknownAgent, match="'Agent-9' is not a configured agent"):
        build_server(bus, "Agent-9")
    with pytest.raises(errors.UsageError, match="--agent NAME"):
        build_server(bus, "")


def _overwrite(database: str) -> None:
    """The database file and its logs overwritten in place: the open connection's files."""
    for suffix in ("", "-wal", "-shm"):
        target = Path(database + suffix)
        if target.exists():
            with open(target, "r+b") as file:
                file.write(b"\x00not a database any more" * 4096)


def _hold_write_lock(path: str) -> sqlite3.Connection:
    """Another process holding the write lock: opening a message (a write) must wait."""
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE agent_workspaces SET current_focus = current_focus")
    return holder


async def test_a_locked_database_is_an_error_not_an_empty_inbox(
    connect: Callable, bus: Bus, swarm: Swarm
) -> None:
    await bus.send("Agent-1", "Agent-2", "waiting for you")
    async with connect("Agent-2", timeout=1.0) as two:
        holder = _hold_write_lock(swarm.database)
        try:
            started = time.monotonic()
            refused = error_text(await two.call_tool("fetch_inbox", {}))
            assert time.monotonic() - started < 10
        finally:
            holder.close()
        assert "fetch_inbox did not finish within 1 s" in refused
        inbox = structured(await two.call_tool("fetch_inbox", {}))
        assert [m["content"] for m in inbox["messages"]] == ["waiting for you"]


async def test_a_database_gone_mid_session_is_an_error_not_an_empty_inbox(
    connect: Callable, bus: Bus, swarm: Swarm
) -> None:
    await bus.send("Agent-1", "Agent-2", "waiting for you")
    async with connect("Agent-2", timeout=2.0) as two:
        assert structured(await two.call_tool("whoami", {}))["unread"] == 1
        _overwrite(swarm.database)
        with anyio.fail_after(15):
            refused = error_text(await two.call_tool("fetch_inbox", {}))
        assert "is not a readable SQLite database" in refused
        again = await two.call_tool("whoami", {})
        assert again.is_error
