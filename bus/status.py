"""The swarm at a glance: agents with their queues, dead letters, system heartbeats."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from swarmbus.agents import registry
from swarmbus.bus.api import Bus
from swarmbus.model import timefmt
from swarmbus.model.messages import ACTIVE_STATUSES, DELIVERY_STATUSES
from swarmbus.model.systems import SystemStatus
from swarmbus.model.workspaces import AgentWorkspace
from swarmbus.storage.history import DeliveryHistory
from swarmbus.storage.messages import RecipientCounts


@dataclass(frozen=True)
class AgentLine:
    name: str
    transport: str
    status: str
    queue: dict[str, int]
    # what the agent last reported (`swarmbus agents report`)
    focus: str | None = None
    cycles: int = 0
    tasks_completed: int = 0
    coordination_efficiency: float = 0.0
    v2_compliance: float = 0.0
    last_updated: str | None = None
    last_delivery: str | None = None  # when its latest delivered message was delivered
    overdue_acks: int = 0  # required acks past their deadline (the database's clock)
    unread: int = 0  # messages to it never opened through a face (expired ones left out)

    @property
    def waiting(self) -> int:
        return sum(self.queue.get(s, 0) for s in ACTIVE_STATUSES)


@dataclass(frozen=True)
class SystemLine:
    system_id: str
    system_name: str
    system_status: str
    health_score: float
    error_count: int
    age_seconds: float
    stale: bool
    detail: str | None
    host: str | None = None


@dataclass(frozen=True)
class StatusReport:
    agents: list[AgentLine]
    totals: dict[str, int]
    systems: list[SystemLine]
    unrouted: dict[str, int] = field(default_factory=dict)  # messages for unconfigured agents
    stopped_long_ago: int = 0  # systems stopped over a day ago, left out of `systems`
    overdue_acks: int = 0  # across every recipient (people answered by agents included)
    reservations: dict[str, int] = field(default_factory=dict)  # live file reservations

    @property
    def dead_letters(self) -> int:
        return self.totals.get("failed", 0)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["dead_letters"] = self.dead_letters
        return data


async def status_report(bus: Bus) -> StatusReport:
    """Gather the report from the database (syncing the registry first)."""
    workspaces = await registry.listing(bus.db, bus.swarm)
    counts = await bus.db.messages.counts()
    totals, per_agent = _tally(counts.by_status)
    overdue = await bus.receipts.overdue_counts()
    delivered = await DeliveryHistory(bus.db.connector).last_deliveries()
    agents = [
        _agent_line(ws, per_agent.pop(ws.agent_id, {}), delivered, overdue, counts)
        for ws in workspaces
    ]
    unrouted = {
        agent: total
        for agent, queue in per_agent.items()
        if (total := sum(n for s, n in queue.items() if s in ACTIVE_STATUSES))
    }
    now = timefmt.utcnow()
    rows = await bus.db.systems.list()
    systems = [_system_line(s) for s in rows if not s.long_stopped(now)]
    live, exclusive = await bus.reservation_counts()
    stopped = len(rows) - len(systems)
    reservations = {"live": live, "exclusive": exclusive}
    overdue_total = sum(overdue.values())
    return StatusReport(agents, totals, systems, unrouted, stopped, overdue_total, reservations)


def _tally(
    counts: dict[tuple[str, str], int],
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Totals per delivery status, and each recipient's own counts."""
    totals = dict.fromkeys(DELIVERY_STATUSES, 0)
    per_agent: dict[str, dict[str, int]] = {}
    for (agent, status), n in counts.items():
        totals[status] += n
        per_agent.setdefault(agent, {})[status] = n
    return totals, per_agent


async def agent_status(bus: Bus, name: str) -> AgentLine:
    """One agent's line of the report, from its own messages alone: an agent's page costs
    what that agent was sent, where the whole report counts the history (105 ms at
    1,000,000 messages on SQLite)."""
    workspace = next(ws for ws in await registry.listing(bus.db, bus.swarm) if ws.agent_id == name)
    counts = await bus.db.messages.counts(name)
    _totals, per_agent = _tally(counts.by_status)
    overdue = await bus.receipts.overdue_counts()
    delivered = await DeliveryHistory(bus.db.connector).last_deliveries()
    return _agent_line(workspace, per_agent.get(name, {}), delivered, overdue, counts)


def _agent_line(
    ws: AgentWorkspace,
    queue: dict[str, int],
    delivered: dict[str, datetime],
    overdue: dict[str, int],
    counts: RecipientCounts,
) -> AgentLine:
    last_delivery = delivered.get(ws.agent_id)
    return AgentLine(
        ws.agent_id,
        ws.transport,
        ws.status,
        queue,
        ws.current_focus,
        ws.cycle_count or 0,
        ws.tasks_completed or 0,
        ws.coordination_efficiency or 0.0,
        ws.v2_compliance or 0.0,
        timefmt.to_text(ws.last_updated) if ws.last_updated else None,
        timefmt.to_text(last_delivery) if last_delivery else None,
        overdue_acks=overdue.get(ws.agent_id, 0),
        unread=counts.unread.get(ws.agent_id, 0),
    )


def _system_line(system: SystemStatus) -> SystemLine:
    now = timefmt.utcnow()
    return SystemLine(
        system.system_id,
        system.system_name,
        system.system_status,
        system.health_score,
        system.error_count or 0,
        round(system.age_seconds(now), 1),
        system.is_stale(now),
        system.status_detail,
        system.host,
    )
