"""Transports and the table of which one serves which agent.

The GUI transport is imported only when a configured agent uses it, so a
machine without a display never loads PyAutoGUI.
"""

from __future__ import annotations

from collections.abc import Mapping

from swarmbus.agents.config import Swarm
from swarmbus.bus.transports.base import Transport
from swarmbus.bus.transports.inbox import InboxTransport


def build(swarm: Swarm) -> dict[str, Transport]:
    """The transports the swarm's agents need, by name."""
    needed = {agent.transport for agent in swarm.config.agents}
    transports: dict[str, Transport] = {"inbox": InboxTransport(swarm)}
    if "gui" in needed:
        from swarmbus.bus.transports.gui import GuiTransport

        transports["gui"] = GuiTransport(swarm)
    if "memory" in needed:
        from swarmbus.bus.transports.memory import MemoryTransport

        # what it delivers lives and dies with this process, so recording a lane's
        # deliveries together (idempotent) can duplicate nothing anyone sees
        transports["memory"] = MemoryTransport(idempotent=True)
    return transports


async def prepare(transports: Mapping[str, Transport]) -> None:
    """Before a dispatcher's first claim: the GUI transport releases the keys a dispatcher
    killed mid-keystroke left held down (X11 repeats a held key into the focused window)."""
    if "gui" in transports:
        from swarmbus.bus.transports.gui import GuiTransport

        gui = transports["gui"]
        if isinstance(gui, GuiTransport):
            await gui.release_left_keys()
