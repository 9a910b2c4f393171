"""Nudge delivery end to end on Xvfb, into the real Tk receiver: the notice is pasted and
the body is not; the message is delivered when the notice lands and read once the agent
fetches it over MCP. (Here, not in tests/mcp: a second session's X server beside this
folder's breaks the first one's paste.)"""

from __future__ import annotations

from collections.abc import Callable

from mcp import Client

from swarmbus.agents.config import Swarm
from swarmbus.bus.api import Bus
from swarmbus.mcp.server import build_server
from swarmbus.model import render
from tests.gui.conftest import drain
from tests.gui.xserver import Receiver
from tests.mcp.conftest import structured

LONG = "a long design note. " * 20  # 400 characters: over the threshold below


def _nudging(gui_swarm: Callable[..., Swarm], receiver: Receiver) -> Swarm:
    x, y = receiver.point
    settings = {"x": x, "y": y, "delivery": "nudge", "nudge_over_chars": 100}
    return gui_swarm({"Agent-1": settings, "Agent-2": {"x": x, "y": y}})


async def test_a_long_message_is_a_notice_and_read_over_mcp(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    async with await Bus.open(_nudging(gui_swarm, receiver)) as bus:
        short = await bus.send("Agent-2", "Agent-1", "short one: pasted whole")
        long = await bus.send("Agent-2", "Agent-1", LONG, subject="design")
        stats = await drain(bus)
        assert stats.delivered == 2
        pasted = receiver.submissions()
        assert pasted == [
            render.gui_text(await bus.get(short)),
            render.nudge_text([await bus.get(long)]),
        ]
        assert "a long design note" not in "".join(pasted)
        assert f"id {long}" in pasted[1]
        assert "read it with fetch_inbox" in pasted[1]
        message = await bus.get(long)
        assert message.delivery_status == "delivered"
        assert message.read_at is None
        async with Client(build_server(bus, "Agent-1")) as client:
            inbox = structured(await client.call_tool("fetch_inbox", {}))
        bodies = {m["message_id"]: m["content"] for m in inbox["messages"]}
        assert bodies[long] == LONG
        assert (await bus.get(long)).read_at is not None


async def test_consecutive_nudges_collapse_into_one_notice(
    gui_swarm: Callable[..., Swarm], receiver: Receiver
) -> None:
    async with await Bus.open(_nudging(gui_swarm, receiver)) as bus:
        ids = [
            await bus.send(sender, "Agent-1", f"{sender}: {LONG}")
            for sender in ("Agent-2", "Agent-5", "Agent-2")
        ]
        stats = await drain(bus)
        pasted = receiver.submissions()
        assert len(pasted) == 1
        assert pasted[0].startswith("[swarmbus] 3 new messages from Agent-2, Agent-5 · ids ")
        assert all(message_id in pasted[0] for message_id in ids)
        assert stats.delivered == 3
        for message_id in ids:
            message = await bus.get(message_id)
            assert message.delivery_status == "delivered"
            assert message.delivery_method == "pyautogui"
            assert message.attempt_started_at is None
