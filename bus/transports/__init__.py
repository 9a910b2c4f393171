"""Transports and the table of which one serves which agent.

The GUI transport is imported only when a configured agent uses it, so a
machine without a display never loads PyAutoGUI.
"""

from __future__ import annotations

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
