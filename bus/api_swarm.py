"""The swarm methods of `Bus`: its status, the agent registry, reports and heartbeats.

A part of the one façade (`swarmbus.bus.api.Bus` inherits it), kept in its own
module so the façade stays readable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from swarmbus.agents import registry

if TYPE_CHECKING:
    from swarmbus.agents.config import AgentConfig, BusConfig, Swarm
    from swarmbus.bus.changes import Change
    from swarmbus.bus.outbox import Outbox
    from swarmbus.bus.status import AgentLine, StatusReport
    from swarmbus.model.systems import SystemStatus
    from swarmbus.model.workspaces import AgentWorkspace, ReportedStatus
    from swarmbus.storage.database import Database


class SwarmMethods:
    """The swarm at a glance, the registry, agents' own reports, heartbeats, as `Bus` methods."""

    # What the façade provides (bus/api.py `Bus`):
    db: Database
    swarm: Swarm
    settings: BusConfig
    configured: dict[str, AgentConfig]
    outbox: Outbox

    async def status(self) -> StatusReport:
        """Agents with their queues, message totals, and every system's heartbeat."""
        from swarmbus.bus.status import status_report

        return await status_report(self)

    async def agent_status(self, name: str) -> AgentLine:
        """`name`'s line of `status()`, counting its own messages alone (an agent's page)."""
        from swarmbus.bus.status import agent_status

        self.swarm.agent(name)  # UnknownAgent, naming the configured ones
        return await agent_status(self, name)

    async def agents(self) -> list[AgentWorkspace]:
        """The registry's row of every configured agent, in config order (synced first)."""
        return await registry.listing(self.db, self.swarm)

    async def report(
        self,
        agent: str,
        status: ReportedStatus,
        focus: str | None = None,
        cycle: bool = False,
        task_done: bool = False,
    ) -> AgentWorkspace:
        """Record what an agent says about itself: its status (idle, busy, blocked, offline),
        its focus ('' clears it), a finished cycle or task; return its updated row with a
        fresh coordination efficiency."""
        from swarmbus.agents.reports import check_report, submit
        from swarmbus.model.workspaces import Report

        checked = check_report(self.swarm, Report(agent, status, focus, cycle, task_done))
        return await submit(self.db, self.swarm, checked)

    async def systems(self) -> list[SystemStatus]:
        """Every system's latest heartbeat row (dispatchers, monitors, bots), stopped ones too."""
        return await self.db.systems.list()

    async def watch(self, notify: Callable[[Change], None], poll: float | None = None) -> None:
        """Call `notify` each time the database may have changed, or cannot be read; runs
        until cancelled. One watch serves a whole process (see `swarmbus.bus.changes`)."""
        from swarmbus.bus.changes import CHANGE_POLL, ChangeWatch

        await ChangeWatch(self.db, notify, poll or CHANGE_POLL).run()

    async def heartbeat(self, status: SystemStatus) -> None:
        """Write a long-running face's heartbeat row; `error_count` is its own count so far."""
        await self.db.systems.heartbeat(status)
