"""The swarm tools: whoami, list_agents, report_status, swarm_status.

What an agent needs to know about itself and the others before it writes to
them: who is busy on what, how deep their queues are, whether anything is
stuck (dead letters, stale systems).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from swarmbus.mcp.messaging import bounded
from swarmbus.mcp.session import AgentSession
from swarmbus.mcp.views import AgentsView, AgentView, Identity, Reported, SwarmView, SystemView

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from swarmbus.bus.status import AgentLine, StatusReport

UNREAD_COUNTED = 1000  # unread messages whoami counts at most


class SwarmTools:
    """whoami, list_agents, report_status, swarm_status."""

    def __init__(self, session: AgentSession) -> None:
        self._s = session

    def register(self, server: MCPServer) -> None:
        for tool in (self.whoami, self.list_agents, self.report_status, self.swarm_status):
            server.add_tool(tool)

    async def whoami(self) -> Identity:
        """Who you are on the bus: your agent name, how messages reach you, how many are
        unread, and which acknowledgements you owe past their deadline."""
        me, bus = self._s.agent, self._s.bus
        config = bus.configured[me]

        async def work() -> Identity:
            unread = await bus.read(me, me, unread=True, peek=True, limit=UNREAD_COUNTED)
            overdue = await bus.overdue(me)
            return Identity(
                agent=me,
                transport=config.transport,
                delivery=config.delivery,
                unread=len(unread.messages),
                overdue_acks=[m.message_id for m in overdue],
            )

        return await bounded(self._s, "whoami", work)

    async def list_agents(self) -> AgentsView:
        """Every agent of the swarm: its status (idle, busy, blocked, offline), its focus,
        its waiting messages and overdue acks."""
        report = await bounded(self._s, "list_agents", self._s.bus.status)
        return AgentsView(agents=[_agent(line) for line in report.agents])

    async def report_status(
        self,
        status: Annotated[str, Field(description="idle, busy, blocked or offline.")],
        focus: Annotated[
            str | None, Field(description="What you work on now ('' clears it).")
        ] = None,
        task_done: Annotated[bool, Field(description="You just completed a task.")] = False,
    ) -> Reported:
        """Tell the swarm your state, as `swarmbus agents report` does; others see it in
        list_agents."""
        row = await bounded(
            self._s,
            "report_status",
            lambda: self._s.bus.report(self._s.agent, status, focus, task_done=task_done),  # type: ignore[arg-type]
        )
        return Reported(
            agent=row.agent_id,
            status=row.status,
            focus=row.current_focus,
            cycle_count=row.cycle_count,
            tasks_completed=row.tasks_completed,
            coordination_efficiency=row.coordination_efficiency,
        )

    async def swarm_status(self) -> SwarmView:
        """The swarm at a glance: each agent's queue, message totals, dead letters (failed
        messages waiting for a person), overdue acks, and systems whose heartbeat is stale."""
        report = await bounded(self._s, "swarm_status", self._s.bus.status)
        return _swarm(report)


def _agent(line: AgentLine) -> AgentView:
    return AgentView(
        name=line.name,
        transport=line.transport,
        status=line.status,
        focus=line.focus,
        queue=dict(line.queue),
        overdue_acks=line.overdue_acks,
        last_updated=line.last_updated,
        last_delivery=line.last_delivery,
    )


def _swarm(report: StatusReport) -> SwarmView:
    systems = [
        SystemView(
            system_id=s.system_id,
            status=s.system_status,
            stale=s.stale,
            age_seconds=s.age_seconds,
            detail=s.detail,
        )
        for s in report.systems
    ]
    return SwarmView(
        agents=[_agent(line) for line in report.agents],
        totals=dict(report.totals),
        dead_letters=report.totals.get("failed", 0),
        overdue_acks=report.overdue_acks,
        systems=systems,
        stale_systems=[s.system_id for s in systems if s.stale],
    )
